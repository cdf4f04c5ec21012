"""Reproducible train / validation / test splits of labelled examples."""

import numpy as np
from sklearn.model_selection import train_test_split


def stratified_split(labels, fraction, seed):
    """Indices (kept, held_out) with `fraction` held out, stratified by label where possible.

    Stratifying needs two examples of every class; with fewer it falls back to a plain
    shuffled split rather than failing on a tiny data set.
    """
    labels = np.asarray(labels)
    indices = np.arange(len(labels))
    counts = np.unique(labels, return_counts=True)[1]
    held = int(round(len(labels) * fraction))
    stratify = labels if counts.min() >= 2 and held >= len(counts) and len(labels) - held >= len(counts) else None
    return train_test_split(indices, test_size=fraction, stratify=stratify, random_state=seed)
