"""The one tf.data recipe every task uses: parse once, cache, shuffle with the seed, batch, prefetch."""

import tensorflow as tf


def batched(dataset, batch_size, *, shuffle=False, seed=None, cache=True, buffer_size=None):
    """Batch an unbatched dataset of parsed elements for training or inference.

    Caching keeps parsing out of every epoch but the first; sources streamed from disk
    pass cache=False so that a folder larger than memory still trains.
    """
    if cache:
        dataset = dataset.cache()
    if shuffle:
        count = int(dataset.cardinality())
        size = buffer_size or (count if count > 0 else 10_000)
        dataset = dataset.shuffle(size, seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)
