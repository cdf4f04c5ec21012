"""A run whose loss stops being a number stops with a clear message and keeps what it had."""

import keras
import numpy as np
import pytest

from deeptoolkit import ImageClassifier
from deeptoolkit.errors import TrainingDivergedError
from tests.conftest import QUICK


class PoisonInEpoch2(keras.callbacks.Callback):
    """Remember the weights after epoch 1, then make the output kernel NaN as epoch 2 starts
    (as a float16 overflow would). Not the first convolution: ReLU and max-pooling on this
    CPU turn NaN inputs into numbers, so the loss stayed finite."""

    after_epoch_1 = None

    def on_epoch_end(self, epoch, logs=None):
        if epoch == 0:
            self.after_epoch_1 = [w.numpy() for w in self.model.weights]

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 1:
            kernel = [w for w in self.model.trainable_weights if len(w.shape) == 2][-1]
            kernel.assign(np.full(kernel.shape, np.nan, "float32"))


def test_a_nan_loss_stops_training_naming_epoch_and_step_and_keeps_the_last_good_epoch(tmp_path):
    checkpoints = tmp_path / "run"
    poison = PoisonInEpoch2()
    classifier = ImageClassifier(**dict(QUICK, epochs=4))
    with pytest.raises(TrainingDivergedError, match=r"became (nan|inf) at epoch 2, step 1\b.*after epoch 1.*resume=True"):
        classifier.fit(checkpoint_dir=checkpoints, callbacks=[poison], verbose=0)
    for kept, remembered in zip(classifier.model.weights, poison.after_epoch_1):
        np.testing.assert_array_equal(kept.numpy(), remembered)
    assert (checkpoints / "backup").is_dir()  # the last completed epoch, for resume

    resumed = ImageClassifier(**dict(QUICK, epochs=4))
    resumed.fit(checkpoint_dir=checkpoints, resume=True, verbose=0)
    assert len(resumed.history["loss"]) == 3 and np.isfinite(resumed.history["loss"]).all()
