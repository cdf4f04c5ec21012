"""What a task class declares once: the kinds of input it reads, its verbs, and its options.

The command line, the server's routes and request checks, each model's page, the OpenAPI schema
and `--help` are all built from these declarations, so nothing outside a task names its class.
This module and the task modules import no TensorFlow at import time: `--help` reads them.

    class WordCounter(Task):
        options = (Option("lowercase", "Fold case before counting."),)
        verbs = (Verb("count", "How many times each word was seen.", inputs=(Input("text", "text"),), view="json"),)
"""

import dataclasses
import inspect
import numbers
import textwrap

from deeptoolkit.checks import check_choice, check_positive_int
from deeptoolkit.errors import DeeptoolkitError
from deeptoolkit.runtime_settings import DISTRIBUTIONS, JIT_COMPILE, PRECISIONS

# The kinds of input a verb reads (deeptoolkit.inputs): each has one reader on the command line,
# one in the server and one form field in the page.
INPUT_KINDS = ("image", "audio", "text", "story", "lines", "questions")
# The kinds a request uploads as files (the others travel as JSON).
UPLOADED_KINDS = ("image", "audio")
REQUIRED = inspect.Parameter.empty


@dataclasses.dataclass(frozen=True)
class Option:
    """A constructor or verb argument: its type, choices or bounds, and one line of help.

    A constructor option's default is the constructor's own (read from its signature, so that it
    is written once); a verb option gives its `default` here. `none` is the word that stands for
    None among the choices on the command line and in forms. `square` marks a (size, size) pair
    given as one number; `multiple` an option given any number of times (a tuple). `checked`
    False leaves the value to the task to check (it takes more forms than the command line gives).
    `old_name`: a name the option had, still taken on the command line with a deprecation note.
    """

    name: str
    help: str
    type: type = None
    flag_name: str = None
    choices: tuple = None
    low: float = None
    high: float = None
    low_open: bool = False
    high_open: bool = False
    none: str = None
    square: bool = False
    multiple: bool = False
    checked: bool = True
    old_name: str = None
    default: object = REQUIRED

    @property
    def flag(self):
        return "--" + (self.flag_name or self.name).replace("_", "-")

    def check(self, value):
        """Raise DeeptoolkitError if `value` does not fit the option (None passes: unset)."""
        if not self.checked:
            return
        if self.choices is not None:
            check_choice(self.name, value, self.choices)
            return
        if value is None:
            return
        if self.square and isinstance(value, (list, tuple)):
            for size in value:
                dataclasses.replace(self, square=False).check(size)
        elif self.type is int and self.low == 1 and self.high is None:
            check_positive_int(self.name, value)
        elif self.type in (int, float):
            kinds = numbers.Integral if self.type is int else numbers.Real
            fits = isinstance(value, kinds) and not isinstance(value, bool)
            if fits and self.low is not None:
                fits = value > self.low if self.low_open else value >= self.low
            if fits and self.high is not None:
                fits = value < self.high if self.high_open else value <= self.high
            if not fits:
                raise DeeptoolkitError(f"{self.name} must be {self._bounds()}. Received: {self.name}={value!r}")
        elif self.type is bool and not isinstance(value, bool):
            raise DeeptoolkitError(f"{self.name} must be True or False. Received: {self.name}={value!r}")

    def _bounds(self):
        """The values the option takes, in words: "in [0, 1)", "an integer >= 1", "a number"."""
        kind = "an integer" if self.type is int else "a number"
        if self.low is not None and self.high is not None:
            return f"in {'(' if self.low_open else '['}{self.low}, {self.high}{')' if self.high_open else ']'}"
        if self.low is not None:
            return f"{kind} {'>' if self.low_open else '>='} {self.low}"
        return f"{kind} <= {self.high}" if self.high is not None else kind

    def value_type(self, default):
        """The Python type of the option's values, given its default."""
        if self.type is not None:
            return self.type
        if self.choices:
            return type(next(choice for choice in self.choices if choice is not None))
        return type(default) if default is not None else str


@dataclasses.dataclass(frozen=True)
class Input:
    """One input of a verb: its name, its kind (INPUT_KINDS), whether several may be given, and the
    example a page starts with."""

    name: str
    kind: str
    help: str = ""
    many: bool = False
    example: str = ""

    def __post_init__(self):
        if self.kind not in INPUT_KINDS:
            raise ValueError(f"Input kind must be one of {INPUT_KINDS}. Received: kind={self.kind!r}")


@dataclasses.dataclass(frozen=True)
class Verb:
    """A thing the trained task does: `deeptoolkit TASK NAME MODEL INPUTS... [OPTIONS]`, and
    `POST /models/MODEL/NAME` when served.

    method: the task method called with the inputs and options (default: the verb's name).
    answer: the task method that answers over HTTP, when it differs from `method`.
    answer_key: the JSON key of an answer that is not a dict.
    view: how a page shows the answer (the views of `deeptoolkit.serve.views`).
    settings: arguments the server fills from what it was started with (e.g. a gallery).
    served: whether the server offers it (a verb that writes files on the server does not).
    file, write: a command-line option naming a file to write (a figure, embeddings), and the task
        method that writes it (called with the inputs, the path and the options it takes); with a
        default, the file is the command's purpose, written every time and reported first.
    file_instead: the file holds the answer, which is printed only when no file is asked for.
    saves: the verb changes the model, which the command line then saves (to the file option
        when given, else over MODEL).
    """

    name: str
    summary: str
    inputs: tuple = ()
    options: tuple = ()
    method: str = None
    answer: str = None
    answer_key: str = None
    view: str = "json"
    settings: tuple = ()
    served: bool = True
    file: Option = None
    write: str = None
    file_instead: bool = False
    saves: bool = False

    @property
    def method_name(self):
        return self.method or self.name


class Declared:
    """What every task declares, with its defaults (`deeptoolkit.tasks.base.Task` derives from it):
    a line of help, the constructor options (those shared by every task declared here, once), the
    verbs, and what `train` and `evaluate` take and print."""

    summary = ""
    shared_options = (
        Option("epochs", "Passes over the training data.", type=int, low=1),
        Option("batch_size", "Global batch size: examples per step, across devices.", type=int, low=1),
        Option("learning_rate", "Peak learning rate.", type=float, low=0, low_open=True),
        Option("validation_split", "Fraction of the training data held out to pick the best epoch, stop early and score "
               "evaluate() without data; 0: none.", type=float, low=0, high=1, high_open=True),
        Option("patience", "Epochs without validation improvement before stopping and going back to the best epoch "
               "(0: never stop).", type=int, low=0),
        Option("min_delta", "The least improvement of the watched validation score that counts.", type=float, low=0),
        Option("precision", "Dtype policy (auto: mixed_float16 on a recent GPU, else float32 or the task's measured best).",
               choices=PRECISIONS),
        Option("distribute", "tf.distribute strategy: mirrored (the GPUs of this machine) or multiworker (the machines "
               "TF_CONFIG names).", choices=DISTRIBUTIONS, none="none"),
        Option("seed", "Make the run repeatable (on CPU); also seeds the validation split.", type=int),
        Option("jit_compile", "XLA for the training step: auto (where the task measured it faster), true or false.",
               choices=JIT_COMPILE),
    )
    options = ()
    verbs = ()
    # Keyword arguments of `fit` beyond the shared ones (Options), handed to the hooks in `Run.options`.
    fit_options = ()
    # What `--data` of `train` reads, for its help.
    training_data_help = "the task's own data; default: its embedded data set"
    # How `train` reports the held-out scores: a format string over evaluate()'s dict.
    held_out_line = None
    # evaluate(): a line of help, its --data, its own options, what --json leaves out, the metric
    # with one entry per part (printed a line each), and the arguments its figures need.
    evaluate_summary = "The task's standard metrics of MODEL."
    evaluation_data_help = "Data to score (default: the held-out split of the training data)."
    evaluate_options = ()
    hidden_metrics = ()
    metric_details = None
    evaluate_for_figures = {}


def constructor_defaults(task_class):
    """{argument: default} of the task class's constructor, from its signature."""
    parameters = inspect.signature(task_class.__init__).parameters
    return {name: p.default for name, p in parameters.items() if p.default is not inspect.Parameter.empty}


def declared_options(task_class):
    """The task's constructor options, shared ones first, each with its default: [(Option, default)]."""
    defaults = constructor_defaults(task_class)
    seen, options = set(), []
    for option in (*task_class.shared_options, *task_class.options):
        if option.name in seen or option.name not in defaults:
            continue
        seen.add(option.name)
        options.append((option, defaults[option.name]))
    return options


def options_doc(task_class):
    """The Args section of a task class's docstring, from its declared options."""
    lines = ["    Args (declared in `options`, and for every task in `Task.shared_options`):"]
    for option, default in declared_options(task_class):
        choices = f" One of {', '.join(repr(c) for c in option.choices)}." if option.choices else ""
        lines += textwrap.wrap(f"{option.name}: {option.help}{choices} Default: {default!r}.", 100,
                               initial_indent=" " * 8, subsequent_indent=" " * 12)
    return "\n".join(lines) + "\n"


def verb(task_class, name):
    """The task's verb called `name`, or None."""
    return next((v for v in task_class.verbs if v.name == name), None)


def top_k(default, help="How many of the best are shown."):
    """The `top_k` of a verb that ranks, with one rule everywhere: a positive integer, and more than
    there are shows them all."""
    return Option("top_k", help + " More than there are shows them all.", type=int, low=1, default=default, old_name="top")


BEAM = Option("beam", "Beam width (default: greedy).", type=int, low=1, high=16, default=None)
RETURN_ATTENTION = Option("attention", "Also return where the model looked.", type=bool, default=False)
