"""The task classes; importing this package registers each one for `deeptoolkit.load`."""

from deeptoolkit.tasks.base import Task, load
from deeptoolkit.tasks.image_classifier import ImageClassifier

__all__ = ["Task", "ImageClassifier", "load"]
