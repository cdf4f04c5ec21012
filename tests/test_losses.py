import numpy as np
import pytest

from deeptoolkit.losses import (
    SemiHardTripletLoss,
    semi_hard_negatives,
    semi_hard_triplet_loss,
)

# Five 1-d "embeddings": two of person 0, two of person 1, one of person 2.
POINTS = np.array([[0.0], [1.0], [1.5], [5.0], [0.5]], "float32")
LABELS = np.array([0, 0, 1, 1, 2])


def test_semi_hard_mining_picks_the_closest_negative_beyond_the_positive():
    distances = (POINTS - POINTS.T) ** 2
    negatives = np.asarray(semi_hard_negatives(LABELS, distances))
    # Anchor 0, positive 1 (d = 1): negatives at 2.25 (#2), 25 (#3), 0.25 (#4) -> #2.
    assert negatives[0, 1] == 2
    # Anchor 1, positive 0 (d = 1): negatives at 0.25 (#2), 16 (#3), 0.25 (#4) -> #3.
    assert negatives[1, 0] == 3
    # Anchor 3, positive 2 (d = 12.25): 25 (#0), 16 (#1), 20.25 (#4) -> #1.
    assert negatives[3, 2] == 1
    # Anchor 2, positive 3 (d = 12.25): no negative farther -> the farthest one, #0 (2.25).
    assert negatives[2, 3] == 0


def test_loss_is_the_mean_hinge_over_positive_pairs():
    # Only (2, 3) violates the margin: 12.25 - 2.25 + 0.2 = 10.2, averaged over 4 pairs.
    assert float(semi_hard_triplet_loss(LABELS, POINTS, margin=0.2)) == pytest.approx(10.2 / 4)
    assert float(SemiHardTripletLoss(margin=0.2)(LABELS, POINTS)) == pytest.approx(10.2 / 4)


def test_well_separated_people_cost_nothing():
    points = np.array([[0.0], [0.1], [3.0], [3.1]], "float32")
    assert float(semi_hard_triplet_loss(np.array([0, 0, 1, 1]), points)) == 0.0


def test_margin_softmax_lowers_the_true_cosine_by_the_margin():
    from deeptoolkit.losses import MarginSoftmaxLoss

    cosines = np.array([[0.9, 0.1, -0.2], [0.3, 0.5, 0.4]], "float32")
    labels = np.array([0, 2])

    def expected(margin, scale):
        logits = scale * (cosines - margin * np.eye(3)[labels])
        logits -= logits.max(axis=1, keepdims=True)
        return np.mean(-np.log(np.exp(logits[[0, 1], labels]) / np.exp(logits).sum(axis=1)))

    assert float(MarginSoftmaxLoss(scale=16, margin=0.0)(labels, cosines)) == pytest.approx(expected(0.0, 16), rel=1e-5)
    assert float(MarginSoftmaxLoss(scale=16, margin=0.3)(labels, cosines)) == pytest.approx(expected(0.3, 16), rel=1e-5)
    assert expected(0.3, 16) > expected(0.0, 16)
