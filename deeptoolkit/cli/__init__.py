"""The `deeptoolkit` command: one click group per task of `deeptoolkit.registry`, made from the
task's declaration (`deeptoolkit.cli.common.task_group`), each command a thin call into the library.

    deeptoolkit TASK train [--data PATH] [--out DIR] [--resume] [--plots DIR] [the task's options] ...
    deeptoolkit TASK evaluate MODEL [--data PATH] [--batch-size N] [--json] [--plots DIR]
    deeptoolkit TASK VERB MODEL INPUTS... [the verb's options] [--json]   (`deeptoolkit TASK --help` lists them)
    deeptoolkit info [--json]
    deeptoolkit serve MODEL [MODEL ...] [--host H] [--port P] [--gallery DIR]
    deeptoolkit export MODEL --out DIR
    deeptoolkit data list | get NAME [--dir DIR]

Bad input ends with a one-line `Error: ...` and exit status 1, never a traceback. Anything
else is a bug: a short message says where to report it, with the full traceback saved to a
file it names, and the exit status is 70 (EX_SOFTWARE).
"""

import json
import logging
import os
import sys

import click

from deeptoolkit import registry
from deeptoolkit.cli.errors import friendly_errors


class Commands(click.Group):
    """The commands, with one group per task of the registry, made when first asked for (so that a
    task registered at run time has its commands too)."""

    def list_commands(self, context):
        return sorted(set(super().list_commands(context)) | set(registry.TASKS))

    def get_command(self, context, name):
        if name in registry.TASKS and name not in self.commands:
            from deeptoolkit.cli.common import task_group

            self.add_command(task_group(name), name)
        return super().get_command(context, name)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="deeptoolkit")
def main():
    """Deep learning's landmark applications, one command each."""
    logging.basicConfig(level=logging.WARNING, format="warning: %(message)s")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@friendly_errors
def info(as_json):
    """Versions, devices and what --precision auto resolves to here."""
    from deeptoolkit import runtime

    facts = runtime.describe()
    if as_json:
        click.echo(json.dumps(facts))
        return
    for name, value in facts.items():
        click.echo(f"{name}: {value}")


from deeptoolkit.cli.data import group as data_group  # noqa: E402
from deeptoolkit.cli.serve import export, serve  # noqa: E402

main.add_command(data_group)
main.add_command(serve)
main.add_command(export)


def run():
    """The `deeptoolkit` program: the command, then an exit that skips the interpreter's teardown
    once TensorFlow is loaded (about a second of waiting for nothing after the answer is out).
    Everything the commands write is closed when they return."""
    try:
        main()
    except SystemExit as done:  # click's standalone mode always ends in one
        if "tensorflow" not in sys.modules or not isinstance(done.code, (int, type(None))):
            raise
        code = done.code or 0
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
