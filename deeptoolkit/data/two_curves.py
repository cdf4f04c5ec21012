"""Two classes of points on two curves in the plane that no straight line separates.

The curves are y = atanh(0.95 tanh(3x)) / 2 +- 0.15: an S bent more than their distance apart,
so a line through them misses about a quarter of the points, while the boundary between them
is a level set of a tanh unit's output, which two tanh hidden units can represent.
"""

import numpy as np

from deeptoolkit.errors import DeeptoolkitError

SPAN, BEND, GAP = 1.5, 0.95, 0.15


def curve(x):
    """The S-shaped centre line between the two classes."""
    return np.arctanh(BEND * np.tanh(3.0 * np.asarray(x))) / 2.0


def two_curves(points_per_class=100, noise=0.0, seed=0):
    """(points float32 [2n, 2], labels float32 [2n]): class 1 on the upper curve, 0 on the lower."""
    if not isinstance(points_per_class, int) or points_per_class < 2:
        raise DeeptoolkitError(f"Expected points_per_class to be an integer >= 2. Received: {points_per_class!r}")
    x = np.linspace(-SPAN, SPAN, points_per_class)
    upper = np.stack([x, curve(x) + GAP], axis=1)
    lower = np.stack([x, curve(x) - GAP], axis=1)
    points = np.concatenate([upper, lower]) + np.random.default_rng(seed).normal(0.0, noise, (2 * points_per_class, 2))
    labels = np.r_[np.ones(points_per_class), np.zeros(points_per_class)]
    return points.astype("float32"), labels.astype("float32")
