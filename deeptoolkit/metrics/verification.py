"""Face verification scores: the LFW 10-fold protocol, ROC AUC, equal error rate, VR at a FAR.

"Same person" means distance <= threshold throughout.
"""

import numpy as np
from sklearn import metrics as sk_metrics

from deeptoolkit.errors import DeeptoolkitError


def pair_distances(embeddings, first, second):
    """Euclidean distance of each pair (embeddings[first[k]], embeddings[second[k]])."""
    embeddings = np.asarray(embeddings)
    return np.linalg.norm(embeddings[first] - embeddings[second], axis=1)


def best_threshold(distances, same):
    """The threshold with the highest accuracy on these pairs (midway between two distances)."""
    distances, same = np.asarray(distances, "float64"), np.asarray(same, bool)
    order = np.argsort(distances, kind="stable")
    d, s = distances[order], same[order]
    # Accuracy when the first k pairs (k = 0..n) are called "same".
    correct = np.concatenate([[np.sum(~s)], np.sum(~s) + np.cumsum(np.where(s, 1, -1))])
    # Only cut between distinct distances.
    cuttable = np.concatenate([[True], d[1:] > d[:-1], [True]])
    k = int(np.argmax(np.where(cuttable, correct, -1)))
    if k == 0:
        return float(d[0] - 1e-6)
    if k == len(d):
        return float(d[-1] + 1e-6)
    return float((d[k - 1] + d[k]) / 2.0)


def accuracy(distances, same, threshold):
    return float(np.mean((np.asarray(distances) <= threshold) == np.asarray(same, bool)))


def ten_fold(distances, same, folds):
    """LFW protocol: for each fold, the threshold is chosen on the other folds and scored on it."""
    distances, same, folds = np.asarray(distances), np.asarray(same, bool), np.asarray(folds)
    scores, thresholds = [], []
    for fold in np.unique(folds):
        held = folds == fold
        threshold = best_threshold(distances[~held], same[~held])
        thresholds.append(threshold)
        scores.append(accuracy(distances[held], same[held], threshold))
    return {"accuracy": float(np.mean(scores)), "accuracy_std": float(np.std(scores)), "fold_accuracies": scores,
            "fold_thresholds": thresholds}


def roc_scores(distances, same, far=1e-3):
    """AUC, equal error rate, and the verification rate at false accept rate `far`."""
    same = np.asarray(same, bool)
    if same.all() or not same.any():
        raise DeeptoolkitError(f"ROC scores need genuine and impostor pairs. Received: {int(same.sum())} genuine of {len(same)}")
    fpr, tpr, _ = sk_metrics.roc_curve(same, -np.asarray(distances))
    eer_at = int(np.argmin(np.abs(fpr - (1 - tpr))))
    impostors = int((~same).sum())
    return {
        "auc": float(sk_metrics.auc(fpr, tpr)),
        "eer": float((fpr[eer_at] + 1 - tpr[eer_at]) / 2),
        f"vr_at_far_{far:g}": float(tpr[fpr <= far].max()) if np.any(fpr <= far) else 0.0,
        # With fewer impostor pairs than 1/far the rate is measured at FAR 0, i.e. stricter.
        "far_resolution": 1.0 / impostors,
    }


def separation(distances, same):
    """d': the gap between the mean impostor and genuine distances in units of their spread.

    Unlike AUC it keeps growing once the pairs are separated, so it can pick the best epoch
    when a handful of held-out people are already told apart perfectly.
    """
    distances, same = np.asarray(distances, "float64"), np.asarray(same, bool)
    spread = np.sqrt((distances[same].var() + distances[~same].var()) / 2) + 1e-9
    return float((distances[~same].mean() - distances[same].mean()) / spread)


def confidence_slope(distances, same, threshold):
    """Slope a of P(same) = sigmoid(a * (threshold - distance)), fitted on these pairs.

    Centred on the threshold, so P(same) > 0.5 exactly when the pair is called the same.
    """
    from sklearn.linear_model import LogisticRegression

    margin = (threshold - np.asarray(distances, "float64"))[:, None]
    if len(np.unique(same)) < 2:
        return 10.0
    model = LogisticRegression(fit_intercept=False, C=100.0).fit(margin, np.asarray(same, bool))
    return float(max(model.coef_[0, 0], 1e-3))


def verdict(distance, threshold, slope):
    """(same, confidence) of one pair: same is distance <= threshold, confidence the calibrated
    probability (`confidence_slope`) of that answer, so always >= 0.5."""
    same = bool(distance <= threshold)
    p_same = 1.0 / (1.0 + np.exp(-slope * (threshold - distance)))
    return same, float(p_same if same else 1.0 - p_same)
