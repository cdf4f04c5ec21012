"""A toy task defined outside the package, as README's "Adding a task" says: one class with its
declaration and a tiny graph. It learns to count the vowels of a word from its letter counts."""

import numpy as np

from deeptoolkit.declaration import Input, Option, Verb
from deeptoolkit.tasks.base import Task, arguments
from deeptoolkit.tasks.run import TrainingData

LETTERS = "abcdefghijklmnopqrstuvwxyz"
WORDS = ("banana", "apple", "sky", "queue", "rhythm", "tree", "idea", "strength", "aeiou", "bcd", "moon", "cat", "dog")


def letter_counts(words):
    return np.array([[word.lower().count(letter) for letter in LETTERS] for word in words], "float32")


def vowels(words):
    return np.array([sum(word.lower().count(v) for v in "aeiou") for word in words], "float32")


class VowelCounter(Task):
    summary = "Count the vowels of a word (a toy task)."
    options = (Option("units", "Hidden units.", type=int, low=1),)
    verbs = (Verb("count", "How many vowels a word has.", inputs=(Input("word", "text", example="banana"),), view="json"),)
    held_out_line = "held-out {split} mean absolute error: {mae:.3f} ({words} words)"

    def __init__(self, units=8, epochs=60, batch_size=16, learning_rate=0.05, validation_split=0.0, patience=0, min_delta=0.0,
                 precision="float32", distribute=None, seed=None, jit_compile=False):
        super().__init__(**arguments(locals()))

    def _training_data(self, run):
        import tensorflow as tf

        words = list(run.data or WORDS)
        self.state = {"words": words}
        dataset = tf.data.Dataset.from_tensor_slices((letter_counts(words), vowels(words))).batch(run.batch_size)
        return TrainingData(dataset, None, -(-len(words) // run.batch_size))

    def _build_model(self, run):
        import keras

        return keras.Sequential([keras.Input((len(LETTERS),)), keras.layers.Dense(self.config["units"]), keras.layers.Dense(1)])

    def _compile_arguments(self, run, total_steps):
        import keras

        return dict(optimizer=keras.optimizers.Adam(self.config["learning_rate"]), loss="mse")

    def predict(self, words):
        self._require_fitted()
        words = [words] if isinstance(words, str) else list(words)
        return [float(v) for v in self.model.predict(letter_counts(words), verbose=0)[:, 0]]

    def count(self, word):
        return {"word": word, "vowels": self.predict(word)[0]}

    def evaluate(self, data=None, batch_size=None):
        words = list(data or self.state["words"])
        return {"mae": float(np.abs(np.array(self.predict(words)) - vowels(words)).mean()), "words": len(words), "split": "training"}
