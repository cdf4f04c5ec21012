"""The registry is the one list of tasks: the package, load(), the CLI, the benchmarks and the tests read it."""

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
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0 and "train" in result.output and "evaluate" in result.output and "predict" in result.output
    assert registry.task_class("NoSuchTask") is None


def test_every_constructor_argument_is_declared_and_the_command_line_has_its_default():
    import inspect

    from deeptoolkit.cli.common import task_group
    from deeptoolkit.declaration import declared_options

    for name, class_name in registry.TASKS.items():
        task_class = registry.task_class(class_name)
        parameters = inspect.signature(task_class.__init__).parameters
        declared = {option.name for option in (*task_class.shared_options, *task_class.options)}
        assert declared == set(parameters) - {"self"}, (name, declared ^ (set(parameters) - {"self"}))
        train = task_group(name).commands["train"]
        defaults = {parameter.name: parameter.default for parameter in train.params}
        for option, default in declared_options(task_class):
            expected = option.none if default is None and option.none else default[0] if option.square else default
            assert defaults[option.name] == expected, (name, option.name)
        for verb in task_class.verbs:  # each option is taken by the verb's method, its answer or its file's writer
            methods = {verb.method_name, verb.answer or verb.method_name, verb.write or verb.method_name}
            taken = set().union(*(inspect.signature(getattr(task_class, m)).parameters for m in methods))
            assert {o.name for o in verb.options} <= taken, (name, verb.name)


def test_no_task_module_imports_tensorflow():
    import subprocess
    import sys

    modules = ", ".join(f"deeptoolkit.tasks.{name.replace('-', '_')}" for name in registry.TASKS)
    check = f"import sys, {modules}, deeptoolkit.cli; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["False", "False"], done.stdout + done.stderr
