"""Inference through the model's compiled predict step, one call per batch.

`keras.Model.predict` builds a data adapter, an iterator and callbacks on every call: about
45 ms before a small network computes anything, which dominates a served request
(benchmarks/README.md, "Serving"). `predict_on_batch` runs the same compiled step directly.
Batches are padded up to a power of two, so a model sees at most log2(batch_size) + 1 shapes
however requests arrive (an XLA-compiled step compiles once per shape).
"""

import numpy as np


def _padded_size(rows, batch_size):
    return min(batch_size, 1 << max(0, int(rows - 1).bit_length()))


def predict_batches(model, inputs, batch_size=256):
    """`model.predict(inputs)` (arrays, a list or a dict of them, equal first dimensions) in
    compiled calls of at most `batch_size` rows; numpy outputs in the structure the model returns."""
    from keras import tree  # here: the task modules import this one without TensorFlow

    flat = [np.asarray(x) for x in tree.flatten(inputs)]
    rows = len(flat[0])
    if rows == 0:
        raise ValueError("predict_batches needs at least one row")
    chunks = []
    for start in range(0, rows, batch_size):
        part = [x[start:start + batch_size] for x in flat]
        taken = len(part[0])
        size = _padded_size(taken, batch_size)
        if size > taken:
            part = [np.concatenate([x, np.repeat(x[-1:], size - taken, axis=0)]) for x in part]
        outputs = model.predict_on_batch(tree.pack_sequence_as(inputs, part))
        chunks.append(tree.map_structure(lambda o, taken=taken: np.asarray(o)[:taken], outputs))
    if len(chunks) == 1:
        return chunks[0]
    return tree.map_structure(lambda *parts: np.concatenate(parts), *chunks)
