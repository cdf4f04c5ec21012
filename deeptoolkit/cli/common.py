"""What every task's commands share: the training options, defaults read from the task class,
the evaluate options, training then saving then scoring, and printing metrics."""

import ast
import collections
import functools
import importlib.util
import json
import os

import click

from deeptoolkit import registry
from deeptoolkit.cli.errors import friendly_errors
from deeptoolkit.errors import DeeptoolkitError

PRECISION_CHOICES = ["auto", "float32", "mixed_float16", "mixed_bfloat16"]

Training = collections.namedtuple("Training", "data epochs batch_size out precision distribute seed resume tensorboard plots download")

_TRAINING_OPTIONS = [
    click.option("--data", default=None, help="Training data (default: the task's embedded data set)."),
    click.option("--epochs", type=click.IntRange(min=1), default=None, help="Number of epochs (default: the task's)."),
    click.option("--batch-size", type=click.IntRange(min=1), default=None, help="Global batch size (default: the task's)."),
    click.option("--out", type=click.Path(file_okay=False), default=None, help="Run folder: model.dtk, checkpoints, history."),
    click.option("--precision", type=click.Choice(PRECISION_CHOICES), default="auto", show_default=True),
    click.option("--distribute", type=click.Choice(["mirrored", "multiworker"]), default=None,
                 help="tf.distribute strategy: mirrored (the GPUs of this machine) or multiworker (the machines TF_CONFIG names)."),
    click.option("--seed", type=int, default=None, help="Make the run repeatable (on CPU)."),
    click.option("--resume", is_flag=True, help="Continue an interrupted run in --out from its last completed epoch."),
    click.option("--tensorboard", type=click.Path(file_okay=False), default=None, help="Write TensorBoard logs here."),
    click.option("--plots", type=click.Path(file_okay=False), default=None, help="Write PNG figures here."),
    click.option("--download", is_flag=True, help="Let --data tfds:NAME download and prepare a data set not on this machine."),
]


def training_options(command):
    """The options every task's `train` takes, handed to `command` as its first argument, a Training."""

    @functools.wraps(command)
    def wrapper(**kwargs):
        training = Training(**{name: kwargs.pop(name) for name in Training._fields})
        if training.distribute == "multiworker" and training.plots and not _chief_in_tf_config():
            training = training._replace(plots=None)  # in a multi-worker run the chief alone writes figures
        return command(training, **kwargs)

    for option in reversed(_TRAINING_OPTIONS):
        wrapper = option(wrapper)
    return wrapper


def _chief_in_tf_config():
    from deeptoolkit.multiworker import chief_in_tf_config

    try:
        return chief_in_tf_config()
    except DeeptoolkitError:
        return True  # a bad TF_CONFIG: training reports it


@functools.lru_cache(maxsize=None)
def constructor_defaults(task):
    """{argument: default} of task `task`'s constructor, read from its source without importing it
    (importing a task imports TensorFlow, which `deeptoolkit --help` should not wait for)."""
    origin = importlib.util.find_spec(registry.module_name(task)).origin
    with open(origin, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == registry.TASKS[task]:
            init = next(item for item in node.body if isinstance(item, ast.FunctionDef) and item.name == "__init__")
            names = [arg.arg for arg in init.args.args[-len(init.args.defaults):]]
            return {name: ast.literal_eval(value) for name, value in zip(names, init.args.defaults)}
    raise LookupError(f"no class {registry.TASKS[task]} in {origin}")


def task_option(task, name, **kwargs):
    """A `--name` option for constructor argument `name` of `task`, defaulting to the class's default."""
    default = kwargs.pop("default", constructor_defaults(task)[name])
    flag = "--" + name.replace("_", "-")
    if isinstance(default, bool) and "type" not in kwargs:
        return click.option(flag, name, is_flag=True, default=default, **kwargs)
    kwargs.setdefault("show_default", True)
    return click.option(flag, name, default=default, **kwargs)


def none_for(word):
    """A click callback reading the choice `word` (e.g. "none") as None."""
    return lambda context, parameter, value: None if value == word else value


def evaluation_options(data_help):
    """MODEL, --data, --batch-size and --json: what every task's `evaluate` takes."""

    def decorate(command):
        for option in reversed([
            click.argument("model"),
            click.option("--data", default=None, help=data_help),
            click.option("--batch-size", type=click.IntRange(min=1), default=None, help="Examples scored at once."),
            click.option("--json", "as_json", is_flag=True, help="Also print the metrics as one JSON object on the last line."),
        ]):
            command = option(command)
        return command

    return decorate


def evaluate_command(group, task, summary, data_help, *options):
    """Add to `group` the plain `evaluate MODEL` command: the task's evaluate(data, batch_size=...,
    **options) printed by print_metrics; `summary` is its help line."""

    @friendly_errors
    def evaluate(model, data, batch_size, as_json, **arguments):
        print_metrics(task_class(task).load(model).evaluate(data, batch_size=batch_size, **arguments), as_json)

    evaluate.__doc__ = summary
    command = evaluation_options(data_help)(evaluate)
    for option in reversed(options):
        command = option(command)
    return group.command("evaluate")(command)


beam_option = click.option("--beam", type=click.IntRange(min=1), default=None, help="Beam width (default: greedy).")


def top_k_option(default, help):
    """--top-k, and the old --top, still accepted with a deprecation message."""

    def decorate(command):
        @functools.wraps(command)
        def wrapper(top_k, top, **kwargs):
            return command(top_k=top if top is not None else top_k, **kwargs)

        wrapper = click.option("--top", "top", type=click.IntRange(min=1), default=None, hidden=True,
                               deprecated="Use --top-k.")(wrapper)
        return click.option("--top-k", "top_k", type=click.IntRange(min=1), default=default, show_default=True, help=help)(wrapper)

    return decorate


def task_class(task):
    return registry.task_class(registry.TASKS[task])


def train(task, training, network, fit_arguments=None, evaluate_arguments=None):
    """What every `train` command does: build `task` from its own options and the shared ones, fit
    with checkpoints in OUT, save OUT/model.dtk, draw the training curves; returns (the trained
    task, the scores of the held-out data)."""
    from deeptoolkit import plots as figures
    from deeptoolkit.multiworker import is_chief, worker_name

    model = task_class(task)(**network, precision=training.precision, distribute=training.distribute, seed=training.seed)
    out = training.out or os.path.join("runs", task)
    model.fit(training.data, epochs=training.epochs, batch_size=training.batch_size, resume=training.resume,
              checkpoint_dir=os.path.join(out, "checkpoints"), tensorboard=training.tensorboard, download=training.download,
              **(fit_arguments or {}))
    click.echo(f"precision: {model.state['precision']}")
    if is_chief():
        click.echo(f"saved {model.save(os.path.join(out, 'model.dtk'))}")
    else:
        click.echo(f"{worker_name()} finished; the chief saves the model and plots")
    if training.plots:
        click.echo(f"wrote {figures.training_curves(model.history, os.path.join(training.plots, 'training_curves.png'))}")
    return model, model.evaluate(**(evaluate_arguments or {}))


def print_metrics(metrics, as_json, hidden=()):
    """A readable summary of the scalar metrics; with --json, the whole dict (less `hidden`) as one
    JSON object on the last line."""
    for name, value in metrics.items():
        if isinstance(value, float):
            click.echo(f"{name}: {value:.4f}")
        elif isinstance(value, (int, str)):
            click.echo(f"{name}: {value}")
    if as_json:
        click.echo(json.dumps({k: v for k, v in metrics.items() if k not in hidden}, separators=(",", ":")))
