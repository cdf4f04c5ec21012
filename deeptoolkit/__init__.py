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

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from deeptoolkit import quiet_start  # noqa: E402

quiet_start.install()

from deeptoolkit import registry  # noqa: E402
from deeptoolkit.errors import DeeptoolkitError, ModelFileError, NotFittedError  # noqa: E402
from deeptoolkit.version import __version__  # noqa: E402

__all__ = ["Task", "load", *registry.TASKS.values(), "DeeptoolkitError", "ModelFileError", "NotFittedError", "__version__"]


def __getattr__(name):
    if name in ("Task", "load") or name in registry.TASKS.values():
        return getattr(importlib.import_module("deeptoolkit.tasks"), name)
    raise AttributeError(f"module 'deeptoolkit' has no attribute {name!r}")
