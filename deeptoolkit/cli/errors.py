"""How the command line ends on an error: one line and exit 1 for bad input, a pointer to a bug
report (exit 70, the traceback saved to a file) for anything unexpected; never a traceback."""

import datetime
import functools
import os
import tempfile
import traceback

import click

from deeptoolkit.errors import DeeptoolkitError


class InternalError(click.ClickException):
    """An error the toolkit did not expect: a bug, reported with where its traceback went."""

    exit_code = 70  # EX_SOFTWARE


def save_traceback(error):
    """Write the current exception's full traceback to a new file and return its path."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    handle, path = tempfile.mkstemp(prefix=f"deeptoolkit-crash-{stamp}-", suffix=".txt")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write("".join(traceback.format_exception(error)))
    return path


def friendly_errors(command):
    """Turn the library's errors (and unreadable paths) into click's one-line error, and
    anything unexpected into a bug report pointer with the traceback saved to a file."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except DeeptoolkitError as error:
            raise click.ClickException(str(error)) from None
        except OSError as error:
            raise click.ClickException(f"{error.strerror or error}: {error.filename or ''}".rstrip(": ")) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as error:  # noqa: BLE001 - the last line of defence: never a raw traceback
            path = save_traceback(error)
            raise InternalError(
                f"unexpected {type(error).__name__}: {error}. This is a bug in deeptoolkit; please report it on the "
                f"deeptoolkit issue tracker with the full traceback saved in {path} and the output of `deeptoolkit info`."
            ) from None

    return wrapper
