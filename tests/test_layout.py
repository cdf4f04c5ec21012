"""The shape the code keeps: small files, and the command line and the server made from the tasks'
declarations, naming no task."""

import pathlib

from deeptoolkit import registry

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "deeptoolkit"


def test_no_file_of_the_package_is_over_400_lines():
    long = {str(path.relative_to(PACKAGE)): n for path in PACKAGE.rglob("*.py") if (n := len(path.read_text().splitlines())) > 400}
    assert not long, long


def test_the_command_line_and_the_server_name_no_task():
    for folder in ("cli", "serve"):
        paths = list((PACKAGE / folder).glob("*.py"))
        assert len(paths) > 3, folder
        for path in paths:
            text = path.read_text()
            named = [name for name in (*registry.TASKS, *registry.TASKS.values()) if name in text]
            assert not named, (str(path), named)
