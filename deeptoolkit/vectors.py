"""What is done with learned vectors (word vectors, sentence codes): cosine neighbours and a 2-D map."""

import numpy as np


def cosine_neighbours(vectors, query, k, exclude=()):
    """[(row, cosine similarity)] of the `k` rows of `vectors` nearest to `query`, best first,
    leaving out the rows in `exclude`."""
    vectors = np.asarray(vectors, "float64")
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    query = np.asarray(query, "float64")
    similarity = unit @ (query / max(np.linalg.norm(query), 1e-12))
    similarity[list(exclude)] = -np.inf
    order = np.argsort(-similarity)[:k]
    return [(int(row), float(similarity[row])) for row in order if np.isfinite(similarity[row])]


def map_2d(vectors, seed=0):
    """A 2-D t-SNE (scikit-learn's) of `vectors`, by cosine distance; perplexity fitted to few points."""
    from sklearn.manifold import TSNE

    vectors = np.asarray(vectors, "float64")
    perplexity = float(min(30.0, max(2.0, (len(vectors) - 1) / 3)))
    return TSNE(2, perplexity=perplexity, metric="cosine", init="pca", random_state=seed).fit_transform(vectors)
