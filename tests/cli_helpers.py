"""Calling the command line in-process and checking its one-line errors."""

from click.testing import CliRunner

from deeptoolkit.cli import main


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def one_line_error(result, *fragments):
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and all(f in errors[0] for f in fragments), result.output
