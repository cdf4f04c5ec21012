import numpy as np
import pytest

from deeptoolkit.errors import DeeptoolkitError
from deeptoolkit.metrics import verification


def test_best_threshold_separates_hand_made_distances():
    distances = [0.1, 0.2, 0.3, 0.9, 1.0, 1.2]
    same = [True, True, True, False, False, False]
    threshold = verification.best_threshold(distances, same)
    assert threshold == pytest.approx(0.6)  # midway between 0.3 and 0.9
    assert verification.accuracy(distances, same, threshold) == 1.0


def test_best_threshold_with_overlap_maximises_accuracy():
    distances = [0.1, 0.4, 0.5, 0.6, 0.7, 1.0]
    same = [True, True, False, True, False, False]
    threshold = verification.best_threshold(distances, same)
    assert verification.accuracy(distances, same, threshold) == pytest.approx(5 / 6)


def test_ten_fold_picks_the_threshold_on_the_other_folds():
    rng = np.random.default_rng(0)
    same = np.tile([True, False], 100)
    distances = np.where(same, rng.uniform(0.0, 0.5, 200), rng.uniform(0.7, 1.5, 200))
    folds = np.arange(200) % 10
    # One fold is mislabelled on purpose: its own threshold cannot come from itself.
    distances[folds == 3] = np.where(same[folds == 3], 1.4, 0.1)
    result = verification.ten_fold(distances, same, folds)
    assert result["fold_accuracies"][3] == 0.0
    assert all(a == 1.0 for i, a in enumerate(result["fold_accuracies"]) if i != 3)
    assert result["accuracy"] == pytest.approx(0.9)
    assert result["accuracy_std"] == pytest.approx(0.3)
    assert all(0.5 <= t <= 0.7 for i, t in enumerate(result["fold_thresholds"]) if i != 3)


def test_roc_scores_of_perfect_and_random_separation():
    same = np.tile([True, False], 500)
    perfect = verification.roc_scores(np.where(same, 0.2, 0.8), same)
    assert perfect["auc"] == 1.0 and perfect["eer"] == 0.0 and perfect["vr_at_far_0.001"] == 1.0
    random = verification.roc_scores(np.random.default_rng(0).uniform(size=1000), same)
    assert 0.4 < random["auc"] < 0.6 and 0.4 < random["eer"] < 0.6
    with pytest.raises(DeeptoolkitError, match="genuine and impostor"):
        verification.roc_scores([0.1, 0.2], [True, True])


def test_confidence_slope_is_positive_and_fitted():
    rng = np.random.default_rng(1)
    same = rng.uniform(size=400) < 0.5
    distances = np.where(same, rng.normal(0.6, 0.15, 400), rng.normal(1.2, 0.15, 400))
    sharp = verification.confidence_slope(distances, same, 0.9)
    blurred = verification.confidence_slope(distances + rng.normal(0, 0.4, 400), same, 0.9)
    assert sharp > blurred > 0


def test_separation_keeps_growing_after_perfect_separation():
    same = np.tile([True, False], 50)
    noise = np.random.default_rng(0).normal(0, 0.05, 100)
    near = verification.separation(np.where(same, 0.4, 0.8) + noise, same)
    far = verification.separation(np.where(same, 0.2, 1.2) + noise, same)
    assert far > near > 0
    assert verification.roc_scores(np.where(same, 0.4, 0.8) + noise, same)["auc"] == 1.0  # AUC cannot tell them apart
