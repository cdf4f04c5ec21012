"""Batches of P people x K photos each: what triplet mining needs (FaceNet's batch recipe).

A random batch of 64 photos from 1,000 people has almost no two of the same person, so
nothing to learn "same" from. Here every batch draws `people_per_batch` people and
`photos_per_person` photos of each (with repeats only for people who have fewer). The draws
come from a seeded random stream that is drawn afresh each epoch, so a run is repeatable and
epochs differ.
"""

import numpy as np
import tensorflow as tf


def identity_batches(images, labels, people_per_batch, photos_per_person, steps, seed=0, repeatable=False):
    """A dataset of `steps` batches ((P*K, H, W, C) uint8 photos, (P*K,) labels) per iteration.

    People with a single photo should be left out beforehand: they can never be a positive.
    `repeatable`: the same batches on every iteration (for validation).
    """
    labels = np.asarray(labels)
    people = np.unique(labels)
    counts = np.asarray([np.sum(labels == p) for p in people])
    table = np.zeros((len(people), counts.max()), "int64")
    for row, person in enumerate(people):
        table[row, : counts[row]] = np.flatnonzero(labels == person)
    table, counts = tf.constant(table), tf.constant(counts, tf.int64)
    images, labels_t = tf.constant(images), tf.constant(labels.astype("int32"))
    chosen_people = min(people_per_batch, len(people))

    def batch(stream_seed):
        seed_pair = tf.stack([stream_seed, tf.constant(seed, tf.int64)])
        rows = tf.random.experimental.stateless_shuffle(tf.range(len(people), dtype=tf.int64), seed=seed_pair)[:chosen_people]
        # A random order of each chosen person's photos: sort random keys, padding slots last.
        keys = tf.random.stateless_uniform((chosen_people, table.shape[1]), seed=seed_pair + 1)
        valid = tf.range(table.shape[1], dtype=tf.int64)[None] < tf.gather(counts, rows)[:, None]
        order = tf.argsort(tf.where(valid, keys, 2.0), axis=1)[:, :photos_per_person]
        # People with fewer than K photos repeat theirs.
        order = tf.cast(order, tf.int64) % tf.gather(counts, rows)[:, None]
        picked = tf.reshape(tf.gather(tf.gather(table, rows), order, batch_dims=1), [-1])
        return tf.gather(images, picked), tf.gather(labels_t, picked)

    stream = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=not repeatable).take(steps)
    return stream.map(batch, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
