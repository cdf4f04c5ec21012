"""Calling the command line in-process, checking that it says nothing of TensorFlow's, and
checking its one-line errors."""

import re

from click.testing import CliRunner

from deeptoolkit.cli import main

# absl's C++ log format ("E0000 00:00:1796.. 4258 cuda_platform.cc:52] ...") and the names in TensorFlow's notices.
LOG_LINES = re.compile(r"^[IWEF]\d{4} |absl|oneDNN|cuInit|cudart|cuda_|CUDA error|WARNING:tensorflow|tensorflow/(core|compiler|tsl)|"
                       r"rebuild TensorFlow|TensorFlow binary", re.MULTILINE)


def assert_no_log_lines(output):
    found = [match.group(0) for match in LOG_LINES.finditer(output)]
    assert not found, f"TensorFlow's log lines in the output ({found}):\n{output}"


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert_no_log_lines(result.output)
    return result


def one_line_error(result, *fragments):
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and all(f in errors[0] for f in fragments), result.output
