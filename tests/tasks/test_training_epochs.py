"""Task.fit keeps one iterator on the training pipeline for all epochs.

Keras otherwise opens a new one each epoch, and dropping the old one can wait up to a second
for tf.data's autotuning thread (measured: FaceVerifier lost 1 s in half of its 1.5 s epochs).
"""

import keras
import numpy as np
import tensorflow as tf

from deeptoolkit import FaceVerifier
from deeptoolkit.tasks.run import one_iterator_for_all_epochs


def test_a_pipeline_of_known_length_is_repeated_with_its_length_as_the_epoch():
    dataset = tf.data.Dataset.range(10).batch(4)
    repeated, steps = one_iterator_for_all_epochs(dataset)
    assert steps == 3
    assert repeated.cardinality() == tf.data.INFINITE_CARDINALITY
    # Each pass is the pipeline iterated afresh: a reshuffling shuffle draws its next order.
    shuffled = tf.data.Dataset.range(8).shuffle(8, seed=1).batch(4)
    first, second = [b.numpy().tolist() for b in shuffled], [b.numpy().tolist() for b in shuffled]
    again = tf.data.Dataset.range(8).shuffle(8, seed=1).batch(4)
    repeated, steps = one_iterator_for_all_epochs(again)
    assert [b.numpy().tolist() for b in repeated.take(2 * steps)] == first + second


def test_pipelines_of_unknown_or_endless_length_are_left_alone():
    unknown = tf.data.Dataset.range(10).filter(lambda x: x % 2 == 0).batch(2)
    endless = tf.data.Dataset.range(10).repeat()
    assert one_iterator_for_all_epochs(unknown) == (unknown, None)
    assert one_iterator_for_all_epochs(endless) == (endless, None)


class _CountIterators(keras.callbacks.Callback):
    """Counts the datasets iterated while training, and the batches of each epoch."""

    def __init__(self, monkeypatch):
        super().__init__()
        self.training, self.iterators, self.batches = False, 0, []
        original = tf.data.Dataset.__iter__

        def counting(dataset):
            self.iterators += self.training
            return original(dataset)

        monkeypatch.setattr(tf.data.Dataset, "__iter__", counting)

    def on_train_begin(self, logs=None):
        self.training = True

    def on_epoch_begin(self, epoch, logs=None):
        self.batches.append(0)

    def on_train_batch_end(self, batch, logs=None):
        self.batches[-1] += 1

    def on_train_end(self, logs=None):
        self.training = False


def test_fit_opens_one_training_iterator_and_keeps_the_epoch_length(monkeypatch):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 255, (40, 20, 20, 1), dtype="uint8")
    labels = [f"p{i % 8}" for i in range(40)]
    counter = _CountIterators(monkeypatch)
    model = FaceVerifier(epochs=3, validation_split=0, patience=0, image_size=(20, 20), backbone="lenet5", seed=0)
    model.fit(images, labels, callbacks=[counter], verbose=0)
    # 40 photos in batches of 16 people x 4 photos (8 people here: 32 a batch): 2 batches an epoch.
    assert counter.batches == [2, 2, 2]
    assert counter.iterators == 1  # before: a new one at the start and at the end of every epoch
