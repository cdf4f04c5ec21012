"""What every fuzz test shares: how many cases, and what a case must end in.

CI runs the same EXAMPLES cases per reader every time; DTK_FUZZ_EXAMPLES=N runs N new ones,
DTK_FUZZ_NO_SHRINK=1 reports a failing case as found, and
DTK_FUZZ_REPORT=FILE adds each case's outcome to FILE as a JSON line (`benchmarks/fuzz_readers.py`).
"""

import json
import os
import shutil
import tempfile

from hypothesis import HealthCheck, Phase, settings

from deeptoolkit.errors import DeeptoolkitError

EXAMPLES = int(os.environ.get("DTK_FUZZ_EXAMPLES", 300))
RANDOM = "DTK_FUZZ_EXAMPLES" in os.environ
REPORT = os.environ.get("DTK_FUZZ_REPORT")
# A generous deadline per case: a reader that hangs fails instead of stalling the run.
# DTK_FUZZ_NO_SHRINK=1: report a failing case as found (shrinking a large file can take long).
FUZZ = settings(max_examples=EXAMPLES, deadline=30_000, suppress_health_check=list(HealthCheck), derandomize=not RANDOM,
                database=None, phases=[p for p in Phase if p != Phase.shrink or not os.environ.get("DTK_FUZZ_NO_SHRINK")])


def write(data, name):
    """The path of a new file `name` holding `data`, in a folder of its own."""
    path = os.path.join(tempfile.mkdtemp(prefix="fuzz-"), name)
    with open(path, "wb") as handle:
        handle.write(data)
    return path


def read_or_refuse(reader, read, data, name, *also):
    """Write `data` as `name` in a new folder and `read` it: a read passes, and so does a one-line
    DeeptoolkitError naming the file (or one of `also`); any other exception fails the test.
    Returns "read" or "refused"."""
    path = write(data, name)
    try:
        read(path)
        outcome = "read"
    except DeeptoolkitError as error:
        message = str(error)
        assert "\n" not in message, message
        assert any(n in message for n in (name, *also)), f"the error does not name the file: {message}"
        outcome = "refused"
    finally:
        shutil.rmtree(os.path.dirname(path), ignore_errors=True)
    if REPORT:
        with open(REPORT, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"reader": reader, "outcome": outcome}) + "\n")
    return outcome
