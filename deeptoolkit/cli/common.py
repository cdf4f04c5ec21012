"""A task's commands, made from its declaration: train (the run options and the task's declared
options), evaluate, and a command per verb; training then saving then scoring."""

import collections
import functools
import os

import click

from deeptoolkit.cli.declared import option_decorators, constructor_options, evaluate_command, task_class, verb_command
from deeptoolkit.cli.errors import friendly_errors
from deeptoolkit.errors import DeeptoolkitError

Training = collections.namedtuple("Training", "data out resume tensorboard plots download")

_TRAINING_OPTIONS = [
    click.option("--data", default=None, help="Training data (default: the task's embedded data set)."),
    click.option("--out", type=click.Path(file_okay=False), default=None, help="Run folder: model.dtk, checkpoints, history."),
    click.option("--resume", is_flag=True, help="Continue an interrupted run in --out from its last completed epoch."),
    click.option("--tensorboard", type=click.Path(file_okay=False), default=None, help="Write TensorBoard logs here."),
    click.option("--plots", type=click.Path(file_okay=False), default=None, help="Write PNG figures here."),
    click.option("--download", is_flag=True, help="Let --data tfds:NAME download and prepare a data set not on this machine."),
]


def training_options(task):
    """The options of `task`'s `train`: where the run reads and writes, and every constructor option
    the task declares; the command gets a Training first, then the constructor's arguments."""

    def decorate(command):
        @functools.wraps(command)
        def wrapper(**kwargs):
            training = Training(**{name: kwargs.pop(name) for name in Training._fields})
            if kwargs.get("distribute") == "multiworker" and training.plots and not _chief_in_tf_config():
                training = training._replace(plots=None)  # in a multi-worker run the chief alone writes figures
            return command(training, **kwargs)

        wrapper = constructor_options(task)(wrapper)
        for option in reversed(_TRAINING_OPTIONS):
            wrapper = option(wrapper)
        return wrapper

    return decorate


def _chief_in_tf_config():
    from deeptoolkit.multiworker import chief_in_tf_config

    try:
        return chief_in_tf_config()
    except DeeptoolkitError:
        return True  # a bad TF_CONFIG: training reports it


def task_group(task):
    """The click group of `task`: train, evaluate and a command per declared verb."""
    cls = task_class(task)
    group = click.Group(task, help=cls.summary)

    @click.command("train", help=f"Train on --data ({cls.training_data_help}) and save OUT/model.dtk.")
    @training_options(task)
    @option_decorators(cls.fit_options, ranged=True)
    @friendly_errors
    def train_command(training, **arguments):
        fit_arguments = {option.name: arguments.pop(option.name) for option in cls.fit_options}
        train(task, training, arguments, fit_arguments)

    group.add_command(train_command)
    group.add_command(evaluate_command(task))
    for verb in cls.verbs:
        group.add_command(verb_command(task, verb))
    return group


def train(task, training, network, fit_arguments=None):
    """What every `train` command does: build `task` from its own options and the shared ones, fit
    with checkpoints in OUT, save OUT/model.dtk, draw the training curves; returns (the trained
    task, the scores of the held-out data)."""
    from deeptoolkit import plots as figures
    from deeptoolkit.multiworker import is_chief, worker_name

    model = task_class(task)(**network)
    out = training.out or os.path.join("runs", task)
    model.fit(training.data, resume=training.resume,
              checkpoint_dir=os.path.join(out, "checkpoints"), tensorboard=training.tensorboard, download=training.download,
              **(fit_arguments or {}))
    click.echo(f"precision: {model.state['precision']}")
    if is_chief():
        click.echo(f"saved {model.save(os.path.join(out, 'model.dtk'))}")
    else:
        click.echo(f"{worker_name()} finished; the chief saves the model and plots")
    metrics = model.evaluate(**(model.evaluate_for_figures if training.plots else {}))
    click.echo(model.held_out_summary(metrics))
    if training.plots:
        click.echo(f"wrote {figures.training_curves(model.history, os.path.join(training.plots, 'training_curves.png'))}")
        for path in model.draw_evaluation(metrics, training.plots):
            click.echo(f"wrote {path}")
    return model, metrics
