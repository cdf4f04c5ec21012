"""The one list of tasks: the package, `deeptoolkit.load`, the command line, the benchmarks and
the tests all read it.

A task named "word-aligner" lives in `deeptoolkit/tasks/word_aligner.py` (class WordAligner) and
`deeptoolkit/cli/word_aligner.py` (a click group named `group`); adding the line here is what
makes it importable as `deeptoolkit.WordAligner`, loadable, and a `deeptoolkit word-aligner`
command. Nothing here imports TensorFlow: the classes are imported when first asked for.
"""

import importlib

TASKS = {
    "image-classifier": "ImageClassifier",
    "face-verifier": "FaceVerifier",
    "char-rnn": "CharRNN",
    "translator": "Translator",
    "captioner": "Captioner",
    "memnn": "MemNN",
}


def module_name(name):
    """The module of task `name` (its command-line name)."""
    return "deeptoolkit.tasks." + name.replace("-", "_")


def cli_module_name(name):
    return "deeptoolkit.cli." + name.replace("-", "_")


def name_of(class_name):
    """The command-line name of a task class name, or None."""
    return next((name for name, known in TASKS.items() if known == class_name), None)


def task_class(class_name):
    """The task class called `class_name`, imported on first use; None for an unknown name."""
    name = name_of(class_name)
    if name is None:
        return None
    return getattr(importlib.import_module(module_name(name)), class_name)
