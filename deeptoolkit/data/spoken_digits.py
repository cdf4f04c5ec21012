"""`builtin:digits` of SpeechRecognizer: the words "zero" to "nine" spoken by the eSpeak NG
synthesizer in 24 voices (8 voice variants at 3 speeds and pitches), 8 kHz, 240 clips, made by
`data/make_spoken_digits.py` and shipped in the package (1.4 MB). Two voice variants (6 voices,
60 clips) are the test split: voices the model never heard."""

import functools
import os

import numpy as np

from deeptoolkit.data.audio import Clip

PATH = os.path.join(os.path.dirname(__file__), "spoken_digits.npz")
TEST_VOICES = ("en+m7", "en+f4")


@functools.lru_cache(maxsize=1)
def load():
    """(clips, labels, speakers) of every embedded recording."""
    with np.load(PATH) as stored:
        rate = int(stored["sample_rate"])
        ends = np.cumsum(stored["lengths"])
        pieces = np.split(stored["samples"], ends[:-1])
        labels, speakers = [str(x) for x in stored["labels"]], [str(x) for x in stored["speakers"]]
    clips = [Clip(piece.astype("float32") / 32768.0, rate, f"builtin:digits/{label}_{speaker}")
             for piece, label, speaker in zip(pieces, labels, speakers)]
    return clips, labels, speakers


def split():
    """((train clips, labels), (test clips, labels)): the test voices held out."""
    clips, labels, speakers = load()
    test = [speaker.split("@")[0] in TEST_VOICES for speaker in speakers]
    pick = lambda keep: ([c for c, t in zip(clips, test) if t == keep], [l for l, t in zip(labels, test) if t == keep])  # noqa: E731
    return pick(False), pick(True)
