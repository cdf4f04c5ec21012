import io
import os

import numpy as np
import pytest

import deeptoolkit
from deeptoolkit import registry


LEGACY = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures", "legacy")


@pytest.fixture(scope="session")
def served_models():
    """One tiny trained model of each task, by name: the saved fixtures of tests/fixtures/legacy
    (LeNet-5 on the digits, 32x32 faces and scenes, the phrasebook, stories, spoken digits)."""
    return {name.replace("-", "_"): deeptoolkit.load(os.path.join(LEGACY, name.replace("-", "_") + ".dtk")) for name in registry.TASKS}


def png(array):
    """PNG bytes of a uint8 array (H, W) or (H, W, 3)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.asarray(array, "uint8")).save(buffer, format="PNG")
    return buffer.getvalue()


def spoken_digit(silent=False, index=7, pause=0.0):
    """WAV bytes of one of the embedded test voices' spoken digits (or of silence as long), with
    `pause` seconds of silence after it."""
    from deeptoolkit.data import spoken_digits
    from tests.speech.sounds import wav_bytes

    clip = spoken_digits.split()[1][0][index]
    return wav_bytes(np.concatenate([clip.samples * (0 if silent else 1), np.zeros(int(pause * clip.rate), "float32")]), clip.rate)


@pytest.fixture(scope="session")
def images():
    rng = np.random.default_rng(0)
    return {"digit": png(rng.integers(0, 255, (8, 8))), "face": png(rng.integers(0, 255, (32, 32))),
            "scene": png(rng.integers(0, 255, (32, 32, 3)))}
