"""Whether photos look like the ones a verifier was trained and calibrated on.

A photo is described by the mean and spread of every convolution channel's response over it
(the feature statistics of Sastry and Oore, 2020): background, framing and lighting change
them even where the unit embedding of an unlike photo lands among the faces'. The reference
keeps each statistic's range over the reference photos; a photo's novelty is how far its
statistics fall outside those ranges, in widths of each range, summed. The bound is the 99th
percentile of the novelty of photos of people left out of the ranges (10 folds of people), so
a new person photographed the same way passes and a threshold calibrated there still applies.
"""

import numpy as np

FOLDS = 10


def reference(statistics, people):
    """{"low", "high", "bound"} of reference photos' statistics (N, S) and their people (N labels)."""
    from sklearn.model_selection import GroupKFold

    statistics, people = np.asarray(statistics, "float64"), np.asarray(people)
    folds = min(FOLDS, len(np.unique(people)))
    if folds >= 2:
        held_out = np.concatenate([novelty(statistics[out], _ranges(statistics[kept]))
                                   for kept, out in GroupKFold(folds).split(statistics, groups=people)])
    else:  # one person: photos left out instead
        held_out = np.concatenate([novelty(statistics[i :: 2], _ranges(statistics[1 - i :: 2])) for i in (0, 1)])
    return {**_ranges(statistics), "bound": float(np.quantile(held_out, 0.99))}


def _ranges(statistics):
    return {"low": statistics.min(axis=0).tolist(), "high": statistics.max(axis=0).tolist()}


def novelty(statistics, reference):
    """How far each photo's statistics fall outside the reference ranges, in range widths, summed."""
    statistics = np.asarray(statistics, "float64")
    low, high = np.asarray(reference["low"]), np.asarray(reference["high"])
    width = np.maximum(high - low, 1e-6)
    return (np.maximum(low - statistics, 0.0) / width + np.maximum(statistics - high, 0.0) / width).sum(axis=1)


def in_domain(statistics, reference):
    """A bool per photo: within the bound of the reference photos."""
    return novelty(statistics, reference) <= reference["bound"]
