"""Losses that Keras does not ship: FaceNet's triplet loss with online semi-hard mining, and
the additive-margin softmax on cosine logits (CosFace) for identity pre-training.

For every anchor-positive pair (a, p) of a batch (same person, a != p) the negative is the
closest photo of another person that is still farther from the anchor than the positive
(semi-hard: d(a, n) > d(a, p)); where no negative is that far, the farthest negative is
used, so the pair adds no more than the margin. The loss is the mean of
max(d(a, p) - d(a, n) + margin, 0) over the pairs, with squared Euclidean distances between
unit-length embeddings as in FaceNet (Schroff et al. 2015).
"""

import keras
from keras import ops


def pairwise_squared_distances(embeddings):
    squares = ops.sum(ops.square(embeddings), axis=1)
    distances = squares[:, None] - 2.0 * ops.matmul(embeddings, ops.transpose(embeddings)) + squares[None, :]
    return ops.maximum(distances, 0.0)


def semi_hard_negatives(labels, distances):
    """(B, B) index of the negative mined for each anchor (row) and positive (column).

    Meaningful where labels[row] == labels[col] and row != col.
    """
    labels = ops.reshape(labels, (-1,))
    different = ops.not_equal(labels[:, None], labels[None, :])  # (anchor, negative)
    d_an = distances[:, None, :]  # (anchor, 1, negative)
    d_ap = distances[:, :, None]  # (anchor, positive, 1)
    semi_hard = ops.logical_and(different[:, None, :], ops.greater(d_an, d_ap))
    big = ops.max(distances) + 1.0
    closest_semi_hard = ops.argmin(ops.where(semi_hard, d_an, big), axis=-1)
    farthest = ops.argmax(ops.where(different, distances, -1.0), axis=-1)  # (anchor,)
    has_semi_hard = ops.any(semi_hard, axis=-1)
    return ops.where(has_semi_hard, closest_semi_hard, ops.broadcast_to(farthest[:, None], ops.shape(closest_semi_hard)))


def semi_hard_triplet_loss(labels, embeddings, margin=0.2):
    embeddings = ops.cast(embeddings, "float32")
    labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
    distances = pairwise_squared_distances(embeddings)
    negatives = semi_hard_negatives(labels, ops.stop_gradient(distances))
    d_an = ops.take_along_axis(distances, negatives, axis=1)  # d(a, n) for each (a, p)
    size = ops.shape(labels)[0]
    positive = ops.logical_and(ops.equal(labels[:, None], labels[None, :]), ops.logical_not(ops.eye(size, dtype="bool")))
    losses = ops.maximum(distances - d_an + margin, 0.0)
    positive = ops.cast(positive, "float32")
    return ops.sum(losses * positive) / ops.maximum(ops.sum(positive), 1.0)


@keras.saving.register_keras_serializable(package="deeptoolkit")
class SemiHardTripletLoss(keras.losses.Loss):
    """Keras loss: y_true are person labels (B,), y_pred unit-length embeddings (B, D)."""

    def __init__(self, margin=0.2, name="semi_hard_triplet", **kwargs):
        super().__init__(name=name, **kwargs)
        self.margin = margin

    def call(self, y_true, y_pred):
        return semi_hard_triplet_loss(y_true, y_pred, self.margin)

    def get_config(self):
        return {**super().get_config(), "margin": self.margin}


@keras.saving.register_keras_serializable(package="deeptoolkit")
class MarginSoftmaxLoss(keras.losses.Loss):
    """Softmax cross-entropy on cosine similarities to each person's centre, with an additive margin.

    y_pred are cosines (B, people) in [-1, 1]; the true person's cosine must beat the others by
    `margin` before the loss is satisfied, and `scale` sharpens the softmax (Wang et al. 2018,
    CosFace). Unlike a plain softmax, this shapes the unit embedding itself, on which
    verification measures distances.
    """

    def __init__(self, scale=16.0, margin=0.2, name="margin_softmax", **kwargs):
        super().__init__(name=name, **kwargs)
        self.scale, self.margin = scale, margin

    def call(self, y_true, y_pred):
        y_pred = ops.cast(y_pred, "float32")
        labels = ops.reshape(ops.cast(y_true, "int32"), (-1,))
        truth = ops.one_hot(labels, ops.shape(y_pred)[-1])
        logits = self.scale * (y_pred - self.margin * truth)
        return keras.losses.categorical_crossentropy(truth, logits, from_logits=True)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "margin": self.margin}
