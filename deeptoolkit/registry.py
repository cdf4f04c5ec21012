"""The one list of tasks: the package, `deeptoolkit.load`, the command line, the benchmarks and
the tests all read it.

A task named "word-aligner" lives in `deeptoolkit/tasks/word_aligner.py` (class WordAligner, with
its declaration); adding the line here is what makes it importable as `deeptoolkit.WordAligner`,
loadable, a `deeptoolkit word-aligner` command and served. A task defined elsewhere joins with
`register`. Nothing here imports TensorFlow: the classes are imported when first asked for.
"""

import importlib

TASKS = {
    "image-classifier": "ImageClassifier",
    "face-verifier": "FaceVerifier",
    "char-rnn": "CharRNN",
    "translator": "Translator",
    "captioner": "Captioner",
    "memnn": "MemNN",
    "speech": "SpeechRecognizer",
}


# Task classes registered at run time (`register`), by class name.
_REGISTERED = {}


def register(name, task_class):
    """Make `task_class` (a Task subclass defined anywhere) the task called `name`: loadable with
    deeptoolkit.load, a `deeptoolkit NAME` command with its declared verbs, and served."""
    if name in TASKS and TASKS[name] != task_class.__name__:
        raise ValueError(f"A task called {name!r} exists already ({TASKS[name]}). Received: {task_class.__name__}")
    TASKS[name] = task_class.__name__
    _REGISTERED[task_class.__name__] = task_class


def unregister(name):
    """Forget a task registered with `register`."""
    _REGISTERED.pop(TASKS.pop(name), None)


def module_name(name):
    """The module of task `name` (its command-line name)."""
    return "deeptoolkit.tasks." + name.replace("-", "_")


def name_of(class_name):
    """The command-line name of a task class name, or None."""
    return next((name for name, known in TASKS.items() if known == class_name), None)


def task_class(class_name):
    """The task class called `class_name`, imported on first use; None for an unknown name."""
    if class_name in _REGISTERED:
        return _REGISTERED[class_name]
    name = name_of(class_name)
    if name is None:
        return None
    return getattr(importlib.import_module(module_name(name)), class_name)
