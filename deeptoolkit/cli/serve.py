"""deeptoolkit serve MODEL... | deeptoolkit export MODEL --out DIR"""

import click

from deeptoolkit.cli.errors import friendly_errors


@click.command("serve")
@click.argument("models", nargs=-1, required=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on (0.0.0.0: every interface).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--gallery", type=click.Path(exists=True, file_okay=False), default=None,
              help="A folder of person folders, for the models whose verbs need a gallery (identify).")
@click.option("--max-upload-mb", type=click.FloatRange(min=0, min_open=True), default=10.0, show_default=True,
              help="The largest upload accepted.")
@friendly_errors
def serve(models, host, port, gallery, max_upload_mb):
    """Serve saved MODELs (paths, run folders, or NAME=PATH): a JSON API and a page per model at
    http://HOST:PORT/ (each model under its file's or folder's name)."""
    import uvicorn

    from deeptoolkit.serve.actions import Settings
    from deeptoolkit.serve.app import create_app
    from deeptoolkit.serve.models import load_models

    loaded = load_models(models)
    for name, task in loaded.items():
        click.echo(f"serving {name} ({type(task).__name__}) at http://{host}:{port}/models/{name}")
    uvicorn.run(create_app(loaded, Settings(int(max_upload_mb * 1e6), gallery)), host=host, port=port, log_level="warning")


@click.command("export")
@click.argument("model")
@click.option("--out", type=click.Path(file_okay=False), required=True, help="The SavedModel folder to write (new or empty).")
@friendly_errors
def export(model, out):
    """Write MODEL as a TensorFlow SavedModel (the tasks whose answer is one call of their network:
    class probabilities, face embeddings)."""
    import deeptoolkit

    click.echo(f"wrote {deeptoolkit.load(model).export(out)}")
