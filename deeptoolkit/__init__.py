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

from deeptoolkit.errors import DeeptoolkitError, ModelFileError, NotFittedError  # noqa: E402
from deeptoolkit.version import __version__  # noqa: E402

_LAZY = {
    "Task": "deeptoolkit.tasks.base",
    "load": "deeptoolkit.tasks.base",
    "Captioner": "deeptoolkit.tasks.captioner",
    "CharRNN": "deeptoolkit.tasks.char_rnn",
    "FaceVerifier": "deeptoolkit.tasks.face_verifier",
    "ImageClassifier": "deeptoolkit.tasks.image_classifier",
    "MemNN": "deeptoolkit.tasks.memnn",
    "Translator": "deeptoolkit.tasks.translator",
}

__all__ = sorted(_LAZY) + ["DeeptoolkitError", "ModelFileError", "NotFittedError", "__version__"]


def __getattr__(name):
    if name in _LAZY:
        importlib.import_module("deeptoolkit.tasks")  # registers every task for load()
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'deeptoolkit' has no attribute {name!r}")
