import numpy as np
import tensorflow as tf

from deeptoolkit.data.pipeline import batched


def _sequences(count, seed=0):
    """Rows 1..L of random length, each tagged by its first value so rows can be told apart."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 15, count)
    rows = [np.arange(1, n + 1, dtype="int32") + 100 * i for i, n in enumerate(lengths)]
    ragged = tf.RaggedTensor.from_row_lengths(np.concatenate(rows), lengths)
    return tf.data.Dataset.from_tensor_slices(ragged).map(tf.identity), lengths


def test_bucketed_batches_pad_only_to_their_longest_and_keep_every_element_once():
    dataset, lengths = _sequences(300)
    boundaries = [3, 6, 9]
    batches = batched(dataset, 16, shuffle=True, seed=1, lengths=lengths, boundaries=boundaries)
    seen, count = [], 0
    for batch in batches.as_numpy_iterator():
        count += 1
        row_lengths = (batch != 0).sum(axis=1)
        assert batch.shape[1] == row_lengths.max()  # no column of padding only
        buckets = np.searchsorted(boundaries, row_lengths, side="right")
        assert len(set(buckets)) == 1  # one bucket per batch
        seen.extend(int(row[0]) // 100 for row in batch)
    assert sorted(seen) == list(range(300))
    assert count == int(batches.cardinality())  # the stated size is the real one


def test_bucketed_lengths_follow_their_elements_through_the_shuffle():
    dataset, lengths = _sequences(200, seed=3)
    for batch in batched(dataset, 8, shuffle=True, seed=2, lengths=lengths, boundaries=[4, 8]).as_numpy_iterator():
        for row in batch:
            assert (row != 0).sum() == lengths[int(row[0]) // 100]
