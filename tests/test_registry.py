"""The registry is the one list of tasks: the package, load(), the CLI, the benchmarks and the tests read it."""

import importlib

from click.testing import CliRunner

import deeptoolkit
from deeptoolkit import registry
from deeptoolkit.cli import main
from deeptoolkit.tasks.base import Task
from tests.tiny_tasks import TINY


def test_every_task_has_its_class_its_command_and_a_tiny_test_configuration():
    assert set(TINY) == set(registry.TASKS)
    for name, class_name in registry.TASKS.items():
        task_class = getattr(deeptoolkit, class_name)
        assert issubclass(task_class, Task) and task_class is registry.task_class(class_name)
        assert task_class().cli_name == name and registry.name_of(class_name) == name
        assert importlib.import_module(registry.cli_module_name(name)).group.name == name
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0 and "train" in result.output and "evaluate" in result.output and "predict" in result.output
    assert registry.task_class("NoSuchTask") is None


def test_task_options_default_to_the_constructor_signature():
    import inspect

    from deeptoolkit.cli.common import constructor_defaults

    for name, class_name in registry.TASKS.items():
        signature = inspect.signature(registry.task_class(class_name).__init__)
        assert constructor_defaults(name) == {p.name: p.default for p in signature.parameters.values() if p.name != "self"}
