"""Click options and commands made from a task's declaration (`deeptoolkit.declaration`): the
constructor options of `train`, and a command per verb. Reading a declaration imports the task's
module, which imports no TensorFlow, so `--help` answers at once."""

import functools
import inspect
import json

import click

from deeptoolkit import inputs, registry
from deeptoolkit.cli import views
from deeptoolkit.cli.errors import friendly_errors
from deeptoolkit.declaration import REQUIRED, declared_options
from deeptoolkit.json_ready import plain


SETTING_HELP = {"gallery": "Folder of person folders."}


def task_class(task):
    """The class of the task whose command-line name is `task`."""
    return registry.task_class(registry.TASKS[task])


def click_option(option, default, ranged=True):
    """The click option of a declared Option with this default. `ranged`: click checks the bounds
    (constructor options); a verb's bounds are the task's to check, with the task's wording."""
    # A blank default (a new line) shows as nothing: the help says it in words.
    kwargs = {"help": option.help, "show_default": not (isinstance(default, str) and not default.strip())}
    if option.choices is not None:
        # Words for the choices that are not strings: None is the option's `none` word, booleans true/false.
        meaning = {option.none if choice is None else str(choice).lower() if isinstance(choice, bool) else choice: choice
                   for choice in option.choices if choice is not None or option.none}
        kwargs["type"] = click.Choice(list(meaning))
        kwargs["callback"] = lambda context, parameter, value: meaning.get(value, value)
        word = next((w for w, choice in meaning.items() if choice is default and (choice is None or isinstance(choice, bool))),
                    default)
        return click.option(option.flag, option.name, default=word, **kwargs)
    if default is REQUIRED:
        return click.option(option.flag, option.name, required=True, type=option.value_type(None), help=option.help)
    kind = option.value_type(default)
    if option.multiple:
        return click.option(option.flag, option.name, multiple=True, type=kind, help=option.help)
    if kind is bool:
        if default is None:  # "unset": the task decides, so the option takes true or false
            return click.option(option.flag, option.name, type=click.BOOL, default=None, help=option.help)
        return click.option(f"{option.flag}/--no-{option.flag[2:]}", option.name, default=default, show_default=True,
                            help=option.help)
    if option.square:
        kwargs["callback"] = lambda context, parameter, value: (value, value)
        default = default[0]
    if ranged and kind in (int, float) and (option.low is not None or option.high is not None):
        ranged_type = click.IntRange if kind is int else click.FloatRange
        kwargs["type"] = ranged_type(option.low, option.high, min_open=option.low_open, max_open=option.high_open)
    else:
        kwargs["type"] = kind
    return click.option(option.flag, option.name, default=default, **kwargs)


def constructor_options(task):
    """A decorator adding every declared constructor option of `task` (shared ones included)."""

    def decorate(command):
        for option, default in reversed(declared_options(task_class(task))):
            command = click_option(option, default)(command)
        return command

    return decorate


def option_decorators(options, ranged=False):
    """A decorator adding the click options of declared `options` (`ranged`: click checks their bounds)."""
    def decorate(command):
        for option in reversed(options):
            command = click_option(option, option.default, ranged=ranged)(command)
            if option.old_name:
                command = _old_name(option, command)
        return command

    return decorate


def _old_name(option, command):
    """`command` also taking `--OLD-NAME` for `option`, hidden, with click's deprecation note."""

    @functools.wraps(command)
    def wrapper(**kwargs):
        old = kwargs.pop("_old_" + option.name)
        if old is not None:
            kwargs[option.name] = old
        return command(**kwargs)

    flag = "--" + option.old_name.replace("_", "-")
    return click.option(flag, "_old_" + option.name, type=option.value_type(option.default), default=None, hidden=True,
                        deprecated=f"Use {option.flag}.")(wrapper)


def _accepted(method, options):
    """The options that `method` takes (a figure's drawing method takes fewer than the verb)."""
    parameters = inspect.signature(method).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return dict(options)
    return {name: value for name, value in options.items() if name in parameters}


def verb_command(task, verb):
    """`deeptoolkit TASK VERB MODEL INPUTS... [OPTIONS]`: call the verb, print its answer with the
    printer of its view (or JSON with --json), and write its file (a figure) when asked."""
    file_first = verb.file is not None and verb.file.default not in (None, REQUIRED)

    @friendly_errors
    def command(model, as_json, **arguments):
        target = arguments.pop(verb.file.name) if verb.file is not None else None
        given = [arguments.pop(item.name) for item in verb.inputs]
        values = [inputs.command_line_value(item, value) for item, value in zip(verb.inputs, given)]
        loaded = task_class(task).load(model)
        method = getattr(loaded, verb.method_name)
        if target and file_first:
            _write(loaded, verb, values, target, arguments, as_json)
        if target and verb.file_instead:
            _write(loaded, verb, values, target, arguments, as_json)
            return
        result = method(*values, **_accepted(method, arguments))
        items = inputs.items(verb.inputs[0].kind, values[0]) if verb.inputs else []
        if as_json:
            click.echo(json.dumps(_json_answer(verb, items, result)))
        else:
            views.PRINTERS.get(verb.view, views.json_view)(items, result, arguments)
        if target and not file_first and verb.write:
            _write(loaded, verb, values, target, arguments, as_json)
        if verb.saves:
            click.echo(f"saved {loaded.save(target or model)}", err=as_json)

    command.__doc__ = verb.summary
    command = click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")(command)
    if verb.file is not None:
        default = None if verb.file.default is REQUIRED else verb.file.default
        command = click.option(verb.file.flag, verb.file.name, type=click.Path(dir_okay=False), default=default,
                               show_default=default is not None, help=verb.file.help)(command)
    for setting in reversed(verb.settings):  # what a server is started with, given to each command
        command = click.option(f"--{setting}", setting, required=True, type=click.Path(exists=True, file_okay=False),
                               help=SETTING_HELP.get(setting, setting))(command)
    command = option_decorators(verb.options)(command)
    for item in reversed(verb.inputs):
        if item.kind == "story":
            command = click.option(f"--{item.name}", item.name, required=True, type=click.Path(exists=True, dir_okay=False),
                                   help=f"{item.help} (a file)")(command)
        else:
            command = click.argument(item.name, nargs=-1 if item.many else 1, required=True)(command)
    command = click.argument("model")(command)
    usage = f" ({_usage(verb)})" if verb.inputs else ""
    return click.command(verb.name, help=verb.summary + usage)(command)


def _usage(verb):
    return "; ".join(f"{item.name.upper()}: {inputs.KINDS[item.kind]}" for item in verb.inputs)


def _write(task, verb, values, path, options, as_json):
    method = getattr(task, verb.write)
    written = method(*values, path, **_accepted(method, options))
    for done in written if isinstance(written, list) else [written]:
        click.echo(f"wrote {done}", err=as_json)


def _json_answer(verb, items, result):
    if isinstance(result, list) and verb.inputs and verb.inputs[0].many:
        return [{verb.inputs[0].name: item, **(answer if isinstance(answer, dict) else {"answer": answer})}
                for item, answer in zip(items, plain(result))]
    return plain(result)


def evaluate_command(task):
    """`deeptoolkit TASK evaluate MODEL [--data D] [--batch-size N] [--json] [--plots DIR] [task options]`."""
    cls = task_class(task)

    @friendly_errors
    def evaluate(model, data, batch_size, as_json, plots, **options):
        loaded = cls.load(model)
        metrics = loaded.evaluate(data, batch_size=batch_size, **options, **(cls.evaluate_for_figures if plots else {}))
        print_metrics(metrics, as_json, hidden=cls.hidden_metrics, details=cls.metric_details)
        if plots:
            for path in loaded.draw_evaluation(metrics, plots):
                click.echo(f"wrote {path}")

    evaluate.__doc__ = cls.evaluate_summary
    command = option_decorators(cls.evaluate_options)(evaluate)
    for option in reversed([
        click.argument("model"),
        click.option("--data", default=None, help=cls.evaluation_data_help),
        click.option("--batch-size", type=click.IntRange(min=1), default=None, help="Examples scored at once."),
        click.option("--json", "as_json", is_flag=True, help="Also print the metrics as one JSON object on the last line."),
        click.option("--plots", type=click.Path(file_okay=False), default=None, help="Write the evaluation's figures (PNG) here."),
    ]):
        command = option(command)
    return click.command("evaluate")(command)


def print_metrics(metrics, as_json, hidden=(), details=None):
    """A readable summary of the scalar metrics (and one line per entry of the `details` metric);
    with --json, the whole dict (less `hidden`) as one JSON object on the last line."""
    for name, scores in (metrics.get(details) or {}).items() if details else ():
        click.echo(f"{name}: " + ", ".join(f"{key} {value:.4f}" if isinstance(value, float) else f"{key} {value}"
                                            for key, value in scores.items()))
    for name, value in metrics.items():
        if isinstance(value, float):
            click.echo(f"{name}: {value:.4f}")
        elif isinstance(value, (int, str)):
            click.echo(f"{name}: {value}")
    if as_json:
        click.echo(json.dumps(plain({k: v for k, v in metrics.items() if k not in hidden}), separators=(",", ":")))
