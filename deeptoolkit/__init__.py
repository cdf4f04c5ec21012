"""deeptoolkit: the applications of the 2015 review "Deep learning" as task classes over Keras 3.

    import deeptoolkit
    clf = deeptoolkit.ImageClassifier()
    clf.fit("builtin:digits")
    model = deeptoolkit.load("digits.dtk")

The task classes are imported on first use, so that `deeptoolkit --help` and error
classes do not pay TensorFlow's start-up time.
"""

import importlib
import os

# TensorFlow's C++ start-up chatter is noise for a toolkit's users; errors still show.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from deeptoolkit import registry  # noqa: E402
from deeptoolkit.errors import DeeptoolkitError, ModelFileError, NotFittedError  # noqa: E402
from deeptoolkit.version import __version__  # noqa: E402

__all__ = ["Task", "load", *registry.TASKS.values(), "DeeptoolkitError", "ModelFileError", "NotFittedError", "__version__"]


def __getattr__(name):
    if name in ("Task", "load") or name in registry.TASKS.values():
        return getattr(importlib.import_module("deeptoolkit.tasks"), name)
    raise AttributeError(f"module 'deeptoolkit' has no attribute {name!r}")
