"""The task classes; importing this package registers each one for `deeptoolkit.load`."""

from deeptoolkit.tasks.base import Task, load
from deeptoolkit.tasks.captioner import Captioner
from deeptoolkit.tasks.char_rnn import CharRNN
from deeptoolkit.tasks.face_verifier import FaceVerifier
from deeptoolkit.tasks.image_classifier import ImageClassifier
from deeptoolkit.tasks.memnn import MemNN
from deeptoolkit.tasks.translator import Translator

__all__ = ["Task", "Captioner", "CharRNN", "FaceVerifier", "ImageClassifier", "MemNN", "Translator", "load"]
