"""(input, next character) windows sliced from encoded text inside tf.data.

Only the encoded text is held in memory, once; every batch of windows is gathered from it by
index, so a corpus of any length costs one int32 per character, not one copy per window.
"""

import tensorflow as tf

from deeptoolkit.errors import DeeptoolkitError


def check_long_enough(ids, length, what, units="characters"):
    if len(ids) < length + 1:
        raise DeeptoolkitError(
            f"The {what} text is shorter than one window: it needs at least sequence_length + 1 = {length + 1} "
            f"{units}. Received: {len(ids)} {units} (lower sequence_length or give more text)"
        )


def window_count(ids, length):
    return (len(ids) - 1) // length


def training_windows(ids, length, batch_size, seed=None):
    """Shuffled batches of (x, y) with y = x shifted by one character, for one epoch.

    Window i starts at i * length plus a random shift that changes every epoch, so each
    character is seen at a different place in its window from epoch to epoch (the windows
    still cover the text once per epoch).
    """
    check_long_enough(ids, length, "training")
    count = window_count(ids, length)
    text = tf.constant(ids)
    last_start = len(ids) - 1 - length
    shifts = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
    order = tf.data.Dataset.range(count).shuffle(count, seed=seed, reshuffle_each_iteration=True)
    starts = tf.data.Dataset.zip((order, shifts)).map(lambda i, r: tf.minimum(i * length + r % length, last_start))
    return _gather(starts, text, length, batch_size)


def evaluation_windows(ids, length, batch_size):
    """Consecutive non-overlapping windows covering the text once, in order."""
    check_long_enough(ids, length, "evaluation")
    starts = tf.data.Dataset.range(window_count(ids, length)).map(lambda i: i * length)
    return _gather(starts, tf.constant(ids), length, batch_size)


def _gather(starts, text, length, batch_size):
    offsets = tf.range(length + 1, dtype=tf.int64)

    def slice_batch(batch_starts):
        # Batch first, then one gather per batch: vectorised, no per-window Python.
        windows = tf.gather(text, batch_starts[:, None] + offsets)
        return windows[:, :-1], windows[:, 1:]

    return starts.batch(batch_size).map(slice_batch, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
