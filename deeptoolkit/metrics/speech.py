"""Word and character error rates: edit distance to the reference over its length, summed over
a corpus (TensorFlow's own edit distance)."""

import numpy as np


def error_rates(references, hypotheses):
    """{"wer": word error rate, "cer": character error rate} of `hypotheses` against `references`
    (lists of strings), each corpus-level: total edits over total reference length."""
    import tensorflow as tf

    def rate(split):
        truth, guess = split(tf.constant(references)), split(tf.constant(hypotheses))
        edits = tf.edit_distance(guess.to_sparse(), truth.to_sparse(), normalize=False).numpy()
        return float(edits.sum() / max(1, int(truth.row_lengths().numpy().sum())))

    return {"wer": rate(tf.strings.split), "cer": rate(lambda texts: tf.strings.unicode_split(texts, "UTF-8"))}


def per_label_accuracy(truth, predicted, names):
    """{label: {"accuracy", "examples"}} for class indices `truth` and `predicted`."""
    truth, predicted = np.asarray(truth), np.asarray(predicted)
    return {name: {"accuracy": float(np.mean(predicted[truth == index] == index)) if np.any(truth == index) else 0.0,
                   "examples": int(np.sum(truth == index))} for index, name in enumerate(names)}
