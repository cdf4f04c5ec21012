"""Shared fixtures; also splits the CPU into two logical devices for the mirrored-strategy tests.

The split has to happen before TensorFlow initialises its devices, hence at import time here.
"""

import os

import numpy as np
import pytest

import deeptoolkit  # first: TensorFlow loads as the toolkit loads it, without its start-up log lines

import tensorflow as tf

_cpus = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(_cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2)

# What "auto" settings resolve to depends on the machine: tests of the CPU choice run where there
# is no GPU, tests of the GPU choice where there is one, instead of failing on the other machine.
GPUS = tf.config.list_physical_devices("GPU")
without_gpu = pytest.mark.skipif(bool(GPUS), reason="checks the choice made on a machine without a GPU")
with_gpu = pytest.mark.skipif(not GPUS, reason="checks the choice made on a machine with a GPU")

from deeptoolkit.data.images import load_digits  # noqa: E402

# Small but real: enough epochs for LeNet-5 to be far above chance on the digits.
QUICK = dict(epochs=6, patience=0, seed=0)


@pytest.fixture(scope="session")
def digits():
    """The digits source, loaded once."""
    return load_digits()


@pytest.fixture(scope="session")
def trained_classifier():
    """A LeNet-5 trained briefly on the builtin digits, shared by tests that only read it."""
    classifier = deeptoolkit.ImageClassifier(**QUICK)
    classifier.fit(verbose=0)
    return classifier


@pytest.fixture(scope="session")
def saved_classifier(trained_classifier, tmp_path_factory):
    """Path of the shared classifier saved to disk."""
    return trained_classifier.save(tmp_path_factory.mktemp("model") / "digits.dtk")


def write_image(path, array):
    """Save a uint8 array as an image file, format from the file name."""
    from PIL import Image

    os.makedirs(os.path.dirname(path), exist_ok=True)
    array = np.asarray(array, dtype="uint8")
    Image.fromarray(array.squeeze() if array.ndim == 3 and array.shape[-1] == 1 else array).save(path)
    return str(path)


@pytest.fixture
def digit_folder(tmp_path, digits):
    """A class-per-folder copy of a few digits in every supported format, at 0..255."""
    root = tmp_path / "digits"
    formats = ["png", "jpg", "bmp", "pgm"]
    images, labels = digits.train.images, digits.train.labels
    for label in (0, 1, 2):
        picked = np.flatnonzero(labels == label)[:8]
        for n, index in enumerate(picked):
            write_image(root / str(label) / f"{n}.{formats[n % 4]}", images[index] * 255 / 16)
    return root
