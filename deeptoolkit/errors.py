"""Errors the toolkit raises on bad input.

They subclass ValueError, so callers who already catch ValueError keep working, and the
command line turns any of them into a one-line message with a non-zero exit.
"""


class DeeptoolkitError(ValueError):
    """Bad input: the message says what was expected and what was received."""


class NotFittedError(DeeptoolkitError):
    """A method that needs a trained model was called before `fit` or `load`."""


class ModelFileError(DeeptoolkitError):
    """A path that should hold a saved model does not, or holds one this version can't read."""


class TrainingDivergedError(DeeptoolkitError):
    """The training loss became NaN or infinite; the message names the epoch and step."""
