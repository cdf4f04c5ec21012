"""The review's first figure, trained and measured: `learn_input_space()`.

    from deeptoolkit.tasks.input_space import learn_input_space
    result = learn_input_space(out="input_space.png")
    result["input_space_linear_accuracy"], result["hidden_space_linear_accuracy"]

A logistic regression fitted on the points in input space, and on the same points as the two
hidden units see them, measures what the figure shows: the hidden layer makes the classes
linearly separable.
"""

import keras
import tensorflow as tf
import numpy as np
from sklearn.linear_model import LogisticRegression

from deeptoolkit import plots
from deeptoolkit.checks import check_positive_int
from deeptoolkit.data.two_curves import two_curves
from deeptoolkit.models.input_space import hidden_view, two_unit_net

# A 2-2-1 tanh net sometimes settles where one hidden unit is idle: further initialisations
# are tried until one classifies every point.
TRIES = 5


def linear_accuracy(points, labels):
    """Training accuracy of a (nearly unregularised) logistic regression: 1.0 iff a line separates."""
    return float(LogisticRegression(C=1e4, max_iter=10_000).fit(points, labels).score(points, labels))


def learn_input_space(points_per_class=100, seed=0, steps=600, learning_rate=0.05, out=None):
    """Train the 2-2-1 tanh net on the two curves (full-batch Adam, `steps` steps); measure linear separability before and after
    the hidden layer; draw the figure to `out` (a PNG path) if given. Returns a dict: model,
    points, labels, hidden (the points in hidden space), net_accuracy, input_space_linear_accuracy,
    hidden_space_linear_accuracy, seed (of the initialisation kept), figure."""
    check_positive_int("steps", steps)
    points, labels = two_curves(points_per_class)
    best = None
    for attempt in range(TRIES):
        keras.utils.set_random_seed(seed + attempt)
        model = two_unit_net()
        model.compile(keras.optimizers.Adam(learning_rate), "binary_crossentropy", metrics=["accuracy"])
        # All the steps in one epoch: Keras's per-epoch overhead would dominate a net this small.
        model.fit(tf.data.Dataset.from_tensors((points, labels)).repeat(steps), epochs=1, shuffle=False, verbose=0)
        loss, accuracy = model.evaluate(points, labels, verbose=0)
        if best is None or (accuracy, -loss) > (best[1], -best[2]):
            best = (model, accuracy, loss, seed + attempt)
        if accuracy == 1.0:
            break
    model, accuracy, _, kept_seed = best
    to_hidden = hidden_view(model)
    hidden = np.asarray(to_hidden.predict(points, verbose=0))
    result = {
        "model": model, "points": points, "labels": labels, "hidden": hidden, "seed": kept_seed,
        "net_accuracy": float(accuracy),
        "input_space_linear_accuracy": linear_accuracy(points, labels),
        "hidden_space_linear_accuracy": linear_accuracy(hidden, labels),
        "figure": None,
    }
    if out is not None:
        weights = model.get_layer("output").get_weights()
        result["figure"] = plots.input_space(points, labels, lambda p: np.asarray(to_hidden(p)), weights, out)
    return result
