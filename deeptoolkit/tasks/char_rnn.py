"""CharRNN: a character-level LSTM language model that writes text.

    from deeptoolkit import CharRNN
    writer = CharRNN()                               # 2 x 384 LSTM, windows of 100 characters
    writer.fit("input.txt")                          # a UTF-8 file or folder, a string, tfds:NAME
    writer.evaluate()                                # nats and bits per character, perplexity
    writer.generate("ROMEO:", length=500, temperature=0.8, seed=1)
"""

import logging
import math

import keras
import numpy as np

from deeptoolkit.checks import check_fraction, check_positive_int, check_sampling
from deeptoolkit.data import text as text_data
from deeptoolkit.data.char_vocabulary import CharVocabulary
from deeptoolkit.data.char_windows import (
    check_long_enough,
    evaluation_windows,
    training_windows,
    window_count,
)
from deeptoolkit.decoding import StepDecoder
from deeptoolkit.errors import DeeptoolkitError
from deeptoolkit.models.char_lstm import char_lstm, char_lstm_stepper
from deeptoolkit.tasks.base import (
    NOTHING_HELD_OUT,
    Task,
    TrainingData,
    arguments,
)
from deeptoolkit.tasks.deprecation import renamed_argument
from deeptoolkit.tasks.optimizers import clipped_adam

log = logging.getLogger("deeptoolkit")


class CharRNN(Task):
    """Predict the next character of a text with a stacked LSTM, and write new text with it.

    Args:
        sequence_length: characters per training window (truncated backpropagation through
            time: the gradient flows back at most this far).
        embedding_dim, units, layers, dropout: the network (dropout between the LSTMs).
        epochs, batch_size, learning_rate: Adam with warm-up and cosine decay.
        clipnorm: the global gradient norm is clipped to this (gradients explode in RNNs).
        validation_split: the last fraction of the text (contiguous, not shuffled lines) is
            held out, so validation loss measures how well the model reads new text.
        patience: epochs without validation improvement before stopping (0: never stop).
        min_delta: the least fall of the validation loss (nats per character) that counts as
            an improvement.
        sample_length: characters of the sample printed after each epoch while training
            verbosely (0: none; none under a distribution strategy either).
        precision, distribute, seed, jit_compile: see `deeptoolkit.runtime`.
    """

    # LSTMs trained 2x faster under mixed_bfloat16 on CPUs with AVX512_BF16 (benchmarks/README.md, "Precision").
    bfloat16_on_cpu = True

    def __init__(self, sequence_length=100, embedding_dim=64, units=384, layers=2, dropout=0.2,
                 epochs=20, batch_size=32, learning_rate=3e-3, clipnorm=1.0, validation_split=0.1, patience=3, min_delta=1e-3,
                 sample_length=200,
                 precision="auto", distribute=None, seed=None, jit_compile="auto"):
        super().__init__(**arguments(locals()))

    def _check_config(self):
        super()._check_config()
        for name in ("sequence_length", "embedding_dim", "units", "layers"):
            check_positive_int(name, self.config[name])
        check_fraction("dropout", self.config["dropout"])

    @property
    def vocabulary(self):
        if "vocabulary" not in self.state:
            self._require_fitted()
        return CharVocabulary.from_dict(self.state["vocabulary"])

    # ----------------------------------------------------------------- training
    def _training_data(self, run):
        """Training windows of a UTF-8 file or folder, a string, 'tfds:NAME' or the embedded corpus (default)."""
        batch_size = run.batch_size
        text, spec = text_data.read_text(run.data)
        train, validation = self._split(text)
        length = self.config["sequence_length"]
        vocabulary = CharVocabulary.fit(train)
        self.state = {"vocabulary": vocabulary.to_dict(), "data": spec if spec != "string" else None, "train_characters": len(train)}
        train_ids = vocabulary.encode(train)
        check_long_enough(train_ids, length, "training")
        validation_ds = None
        if validation:
            validation_ids = vocabulary.encode(validation)
            check_long_enough(validation_ids, length, f"validation (last {self.config['validation_split']:.0%})")
            validation_ds = evaluation_windows(validation_ids, length, batch_size)
        train_ds = training_windows(train_ids, length, batch_size, seed=run.seed)
        return TrainingData(train_ds, validation_ds, -(-window_count(train_ids, length) // batch_size))

    def _split(self, text):
        """(first part, last part): contiguous, so validation is text the model never read."""
        fraction = self.config["validation_split"]
        if not fraction:
            return text, ""
        cut = round(len(text) * (1 - fraction))
        return text[:cut], text[cut:]

    def _build_model(self, run):
        config = self.config
        return char_lstm(len(self.vocabulary), config["embedding_dim"], config["units"], config["layers"], config["dropout"])

    def _compile_arguments(self, run, total_steps):
        return dict(optimizer=clipped_adam(self.config, total_steps, alpha=0.1),
                    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))

    def _callbacks(self, run, training):
        if self.config["sample_length"] and run.verbose != 0 and not self.config["distribute"]:
            return [EpochSample(self.vocabulary, self.config["sample_length"], seed=run.seed)]
        return []

    # ----------------------------------------------------------------- writing
    def generate(self, prime="\n", length=200, temperature=1.0, top_k=None, top_p=None, seed=None):
        """`length` characters that follow `prime` (the prime itself is not repeated).

        temperature: > 1 more surprising, < 1 more conservative, 0 always the most likely
        character. top_k / top_p: sample only among the k most likely characters / the
        smallest set holding probability p. seed: the same seed writes the same text.
        Characters of `prime` never seen in training are read as the unknown symbol (with a
        warning), not refused.
        """
        self._require_fitted()
        if not isinstance(prime, str) or not prime:
            raise DeeptoolkitError(f"Expected a non-empty prime string to start from. Received: prime={prime!r}")
        if isinstance(length, bool) or not isinstance(length, int) or length < 0:
            raise DeeptoolkitError(f"length must be an integer >= 0. Received: length={length!r}")
        check_sampling(temperature, top_k, top_p)
        vocabulary = self.vocabulary
        unknown = vocabulary.unknown(prime)
        if unknown:
            log.warning("prime: %d character(s) never seen in training, read as unknown: %s", len(unknown), "".join(unknown))
        if length == 0:
            return ""
        ids = self._writer().sample(vocabulary.encode(prime)[None], length, temperature, top_k, top_p, seed)
        return vocabulary.decode(ids[0])

    def _writer(self):
        return self._cached("writer", lambda: StepDecoder(char_lstm_stepper(self.model), never=[0]))

    @renamed_argument("top", "top_k")
    def predict(self, texts, top_k=5):
        """For each text, the `top_k` most likely next characters: a list (one per text, a single
        text counting as a list of one) of [(character, probability), ...]."""
        self._require_fitted()
        if isinstance(texts, str):
            texts = [texts]
        if not isinstance(texts, (list, tuple)) or not texts or not all(isinstance(t, str) and t for t in texts):
            raise DeeptoolkitError(f"Expected a text or a list of non-empty texts. Received: texts={texts!r}")
        check_positive_int("top_k", top_k)
        vocabulary, writer = self.vocabulary, self._writer()
        encoded = [vocabulary.encode(text) for text in texts]
        results = [None] * len(texts)
        # Texts of one length are read as one batch (no padding enters the LSTM's state).
        for length in sorted({len(ids) for ids in encoded}):
            rows = [i for i, ids in enumerate(encoded) if len(ids) == length]
            logits, _ = writer.read(np.stack([encoded[i] for i in rows]))
            for row, scores in zip(rows, logits):
                probabilities = np.exp(scores - scores.max())
                probabilities /= probabilities.sum()
                best = np.argsort(-probabilities)[:top_k]
                results[row] = [(vocabulary.chars[i], float(probabilities[i])) for i in best]
        return results

    # ----------------------------------------------------------------- evaluation
    def evaluate(self, data=None, batch_size=None):
        """Loss in nats per character, bits per character and perplexity.

        Without data: the held-out last part of the training text. With data: all of it. Every
        character after the first is scored: the text is read in windows of sequence_length,
        each from a fresh state as in training, the last one shorter. Characters never seen in
        training count as the unknown symbol (their number is reported).
        """
        self._require_fitted()
        if data is None:
            text, _ = text_data.read_text(self._training_spec())
            _, text = self._split(text)
            which = "validation"
            if not text:
                raise self._no_held_out_split(NOTHING_HELD_OUT)
        else:
            text, _ = text_data.read_text(data)
            which = "given"
        vocabulary = self.vocabulary
        ids = vocabulary.encode(text)
        if len(ids) < 2:
            raise DeeptoolkitError(f"Expected a text of at least two characters to score. Received: {len(ids)} character(s)")
        if not self.model.compiled:  # a loaded model comes back without its training setup
            self.model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        length, batch_size = self.config["sequence_length"], batch_size or self.config["batch_size"]
        whole = window_count(ids, length) * length
        total = 0.0
        if whole:
            windows = evaluation_windows(ids, length, batch_size)
            total += whole * self.model.evaluate(windows, verbose=0, return_dict=True)["loss"]
        tail = ids[whole:]
        if len(tail) > 1:  # the characters after the last whole window
            total += (len(tail) - 1) * self.model.evaluate(tail[None, :-1], tail[None, 1:], verbose=0, return_dict=True)["loss"]
        loss = float(total / (len(ids) - 1))
        return {
            "loss": loss,
            "bits_per_character": loss / math.log(2),
            "perplexity": math.exp(loss),
            "characters": len(ids) - 1,
            "unknown_characters": int((ids == 0).sum()),
            "split": which,
        }


class EpochSample(keras.callbacks.Callback):
    """Prints a short sample after each epoch, so that progress can be read, not just measured."""

    def __init__(self, vocabulary, length, seed=None):
        super().__init__()
        self.vocabulary = vocabulary
        self.length = length
        self.seed = seed
        self.writer = None

    def on_epoch_end(self, epoch, logs=None):
        if self.writer is None:  # built once: its layers are the model's, updated in place
            self.writer = StepDecoder(char_lstm_stepper(self.model), never=[0])
        prime = self.vocabulary.chars[1] if "\n" not in self.vocabulary.chars else "\n"
        ids = self.writer.sample(self.vocabulary.encode(prime)[None], self.length, temperature=0.8, seed=self.seed)
        print(f"\n--- sample after epoch {epoch + 1} (temperature 0.8) ---\n{self.vocabulary.decode(ids[0])}\n---", flush=True)
