"""deeptoolkit data list | get NAME"""

import os

import click

from deeptoolkit.cli.errors import friendly_errors


@click.group("data")
def group():
    """The standard data sets: list them, download one into the cache."""


@group.command("list")
@friendly_errors
def listing():
    """Name, what it is, size, licence, the task that reads it, and whether it is cached."""
    from deeptoolkit.data import catalog, downloads, pretrained_files

    click.echo(f"cache: {downloads.cache_dir()}  (DEEPTOOLKIT_DATA to move it)")
    for data_set in [*catalog.DATASETS.values(), *pretrained_files.PRETRAINED.values()]:
        state = "manual" if data_set.steps else ("cached" if catalog.is_cached(data_set) else "not cached")
        checksums = "; ".join(f"{f.filename}: {f.checksum_from if f.sha256 else 'none published: pinned at the first download'}"
                              for f in data_set.files) or "-"
        click.echo(f"{data_set.name:16s} {data_set.size:>7s}  {data_set.task:15s} {state:11s} {data_set.what}\n"
                   f"{'':16s} licence: {data_set.licence}; SHA-256: {checksums}")


@group.command("get")
@click.argument("name")
@click.option("--dir", "folder", type=click.Path(file_okay=False), default=None, help="The cache folder (default: $DEEPTOOLKIT_DATA).")
@friendly_errors
def get(name, folder):
    """Download NAME (e.g. babi:en, tinyshakespeare, anki:fra-eng, lfw, glove-6b-50d) and print the path to pass as --data."""
    from deeptoolkit.data import catalog, pretrained_files

    if folder:
        os.environ["DEEPTOOLKIT_DATA"] = os.path.abspath(folder)
    if name in pretrained_files.PRETRAINED:
        click.echo(pretrained_files.fetch(name))
        return
    path = catalog.get(name)
    click.echo(path)
    if catalog.entry(name).name == "lfw":
        click.echo(f"pairs: {os.path.join(catalog.folder_of(catalog.entry(name)), 'pairs.txt')}")
