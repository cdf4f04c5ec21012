"""CharRNN: a character-level LSTM language model that writes text.

    from deeptoolkit import CharRNN
    writer = CharRNN()                               # 2 x 384 LSTM, windows of 100 characters
    writer.fit("input.txt")                          # a UTF-8 file or folder, a string, tfds:NAME
    writer.evaluate()                                # nats and bits per character, perplexity
    writer.generate("ROMEO:", length=500, temperature=0.8, seed=1)

    words = CharRNN(unit="word")                     # the next word instead: a neural language model
    words.fit("fra.txt"); words.nearest_words("monday")   # its learned word vectors
"""

import logging
import math

import numpy as np

from deeptoolkit.checks import check_positive_int, check_sampling
from deeptoolkit.data import text as text_data
from deeptoolkit.data.word_units import fit_units, units_from_dict
from deeptoolkit.tasks.word_vector_start import FINE_TUNE_VECTORS, embedding_size, start_embedding, vectors_option
from deeptoolkit.declaration import Input, Option, Verb, top_k
from deeptoolkit import inputs
from deeptoolkit.errors import DeeptoolkitError
from deeptoolkit.tasks.base import NOTHING_HELD_OUT, Task, arguments
from deeptoolkit.tasks.deprecation import renamed_argument
from deeptoolkit.tasks.run import TrainingData

log = logging.getLogger("deeptoolkit")


class CharRNN(Task):
    """Predict the next character (or word) of a text with a stacked LSTM, and write new text with it.
    """

    # precision="auto" picks mixed_bfloat16 on CPUs that compute in it (benchmarks/README.md, "Precision").
    bfloat16_on_cpu = True

    summary = "LSTM language model of characters (or words, --unit word): learn a text, write more like it."
    options = (
        Option("unit", "char, or word: a word language model (lower-cased words, numbers, punctuation and line ends) whose "
               "embedding holds word vectors; lengths and scores count units.", choices=("char", "word")),
        Option("sequence_length", "Units per training window (backpropagation through time reaches this far back).",
               type=int, low=1),
        Option("embedding_dim", "Size of the unit embedding.", type=int, low=1),
        Option("units", "LSTM units per layer.", type=int, low=1),
        Option("layers", "Stacked LSTM layers.", type=int, low=1),
        Option("dropout", "Dropout between the LSTMs.", type=float, low=0, high=1, high_open=True),
        Option("clipnorm", "The global gradient norm is clipped to this (gradients explode in RNNs).", type=float, low=0,
               low_open=True),
        Option("sample_length", "Units of the sample printed after each epoch while training verbosely (0: none).",
               type=int, low=0),
        vectors_option("word_vectors", "a word-level model's (--unit word) word vectors"),
        FINE_TUNE_VECTORS,
        Option("max_words", "With unit word, the most frequent words kept; the others read as <unk>.", type=int, low=1),
        Option("tie_embeddings", "Whether the output layer reads the input embedding, transposed, so that one table of "
               "vectors learns from both sides of a unit (true/false; default: tied for words, which learn far faster "
               "so: benchmarks/README.md).", type=bool, checked=False),
    )
    verbs = (
        Verb("generate", "Text that follows a prime.",
             options=(Option("prime", "Text to start from (default: a new line).", type=str, default="\n"),
                      Option("length", "Characters (or words) to write.", type=int, low=0, high=5000, default=500),
                      Option("temperature", "0 = always the most likely character.", type=float, low=0, default=1.0),
                      Option("top_k", "Sample among the k most likely characters only.", type=int, low=1, default=None),
                      Option("top_p", "Sample among the most likely characters holding probability p.", type=float, default=None),
                      Option("seed", "The same seed writes the same text.", type=int, default=None)),
             answer_key="text", view="text"),
        Verb("predict", "The most likely next characters (words) after each text.",
             inputs=(Input("texts", "text", many=True, example="the quick brown f"),),
             options=(top_k(5, "Characters (words) shown per text."),), answer="_next_answer", view="next"),
        Verb("map", "A 2-D t-SNE map of the word vectors of a word-level model (--unit word), labelled; with --nearest, "
             "the nearest words of a word.", method="neighbours",
             options=(Option("words", "Map the most frequent words.", type=int, low=5, default=200),
                      Option("nearest", "Also print the 10 nearest words of this word (repeatable).", type=str, multiple=True,
                             default=())),
             file=Option("out", "The PNG to write.", default="words.png"), write="draw_word_map", view="neighbours",
             served=False),
    )
    training_data_help = "a UTF-8 file or folder, tfds:NAME; default: Python's own help texts"
    evaluate_summary = "Loss in nats per character, bits per character and perplexity of MODEL."
    evaluation_data_help = "Text to score (default: the held-out end of the training text)."

    def held_out_summary(self, metrics):
        unit = "word" if "bits_per_word" in metrics else "character"
        return (f"held-out {metrics['split']} loss: {metrics['loss']:.4f} nats/{unit}, {metrics[f'bits_per_{unit}']:.4f} bits/{unit}, "
                f"perplexity {metrics['perplexity']:.2f}")

    def __init__(self, sequence_length=100, embedding_dim=64, units=384, layers=2, dropout=0.2,
                 epochs=20, batch_size=32, learning_rate=3e-3, clipnorm=1.0, validation_split=0.1, patience=3, min_delta=1e-3,
                 sample_length=200, unit="char", max_words=10_000, tie_embeddings=None, word_vectors=None,
                 fine_tune_vectors=True,
                 precision="auto", distribute=None, seed=None, jit_compile="auto"):
        super().__init__(**arguments(locals()))

    def _check_config(self):
        super()._check_config()
        if self.config["word_vectors"] is not None and self.config["unit"] != "word":
            raise DeeptoolkitError(f"word_vectors are for a word-level model (unit='word'). Received: unit={self.config['unit']!r}, "
                                   f"word_vectors={self.config['word_vectors']!r}")
        if self.config["tie_embeddings"] not in (None, True, False):
            raise DeeptoolkitError(f"tie_embeddings must be None, True or False. Received: tie_embeddings={self.config['tie_embeddings']!r}")

    @property
    def vocabulary(self):
        if "vocabulary" not in self.state:
            self._require_fitted()
        return units_from_dict(self.state["vocabulary"])

    @property
    def _unit_name(self):
        return "word" if self.config["unit"] == "word" else "character"

    # ----------------------------------------------------------------- training
    def _training_data(self, run):
        """Training windows of a UTF-8 file or folder, a string, 'tfds:NAME' or the embedded corpus (default)."""
        from deeptoolkit.data.char_windows import check_long_enough, evaluation_windows, training_windows, window_count

        batch_size = run.batch_size
        text, spec = text_data.read_text(run.data)
        train, validation = self._split(text)
        length = self.config["sequence_length"]
        vocabulary = fit_units(self.config["unit"], train, self.config["max_words"])
        self.state = {"vocabulary": vocabulary.to_dict(), "data": spec if spec != "string" else None, "train_characters": len(train)}
        train_ids = vocabulary.encode(train)
        units = f"{self._unit_name}s"
        check_long_enough(train_ids, length, "training", units)
        validation_ds = None
        if validation:
            validation_ids = vocabulary.encode(validation)
            check_long_enough(validation_ids, length, f"validation (last {self.config['validation_split']:.0%})", units)
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
        from deeptoolkit.models.char_lstm import char_lstm

        config = self.config
        vectors = config["word_vectors"]
        model = char_lstm(len(self.vocabulary), embedding_size(vectors, config["embedding_dim"]), config["units"], config["layers"],
                          config["dropout"], self._tied())
        if vectors is not None:
            start_embedding(model.get_layer("embedding"), self.vocabulary.symbols, vectors, config["fine_tune_vectors"],
                            run.seed or 0)
        return model

    def _tied(self):
        tied = self.config["tie_embeddings"]
        return self.config["unit"] == "word" if tied is None else bool(tied)

    def _compile_arguments(self, run, total_steps):
        import keras
        from deeptoolkit.tasks.optimizers import clipped_adam

        return dict(optimizer=clipped_adam(self.config, total_steps, alpha=0.1),
                    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))

    def _callbacks(self, run, training):
        if self.config["sample_length"] and run.verbose != 0 and not self.config["distribute"]:
            from deeptoolkit.tasks.epoch_sample import EpochSample

            return [EpochSample(self.vocabulary, self.config["sample_length"], seed=run.seed)]
        return []

    # ----------------------------------------------------------------- writing
    def generate(self, prime="\n", length=200, temperature=1.0, top_k=None, top_p=None, seed=None):
        """`length` characters (words, with unit="word") that follow `prime` (the prime itself
        is not repeated).

        temperature: > 1 more surprising, < 1 more conservative, 0 always the most likely
        unit. top_k / top_p: sample only among the k most likely units / the smallest set
        holding probability p. seed: the same seed writes the same text. Characters (words) of
        `prime` never seen in training are read as the unknown symbol (with a warning), not
        refused.
        """
        self._require_fitted()
        if not isinstance(prime, str) or not prime:
            raise DeeptoolkitError(f"Expected a non-empty prime string to start from. Received: prime={prime!r}")
        if isinstance(length, bool) or not isinstance(length, int) or length < 0:
            raise DeeptoolkitError(f"length must be an integer >= 0. Received: length={length!r}")
        check_sampling(temperature, top_k, top_p)
        vocabulary = self.vocabulary
        primed = vocabulary.encode(prime)
        if not len(primed):
            raise DeeptoolkitError(f"Expected a prime with at least one word, number or punctuation mark. Received: prime={prime!r}")
        unknown = vocabulary.unknown(prime)
        if unknown:
            log.warning("prime: %d %s(s) never seen in training, read as unknown: %s", len(unknown), self._unit_name,
                        " ".join(unknown) if self.config["unit"] == "word" else "".join(unknown))
        if length == 0:
            return ""
        ids = self._writer().sample(primed[None], length, temperature, top_k, top_p, seed)
        return vocabulary.decode(ids[0])

    def _writer(self):
        from deeptoolkit.decoding import StepDecoder
        from deeptoolkit.models.char_lstm import char_lstm_stepper

        return self._cached("writer", lambda: StepDecoder(char_lstm_stepper(self.model), never=[0]))

    @renamed_argument("top", "top_k")
    def predict(self, texts, top_k=5):
        """For each text, the `top_k` most likely next characters (words): a list (one per text, a
        single text counting as a list of one) of [(character or word, probability), ...]."""
        self._require_fitted()
        texts, _ = inputs.texts(texts, "text")
        check_positive_int("top_k", top_k)
        vocabulary, writer = self.vocabulary, self._writer()
        encoded = [vocabulary.encode(text) for text in texts]
        empty = [text for text, ids in zip(texts, encoded) if not len(ids)]
        if empty:
            raise DeeptoolkitError(f"Expected texts with at least one word, number or punctuation mark. Received: {empty[0]!r}")
        results = [None] * len(texts)
        # Texts of one length are read as one batch (no padding enters the LSTM's state).
        for length in sorted({len(ids) for ids in encoded}):
            rows = [i for i, ids in enumerate(encoded) if len(ids) == length]
            logits, _ = writer.read(np.stack([encoded[i] for i in rows]))
            for row, scores in zip(rows, logits):
                probabilities = np.exp(scores - scores.max())
                probabilities /= probabilities.sum()
                best = np.argsort(-probabilities)[:top_k]
                results[row] = [(vocabulary.symbols[i], float(probabilities[i])) for i in best]
        return results

    def _next_answer(self, texts, top_k=5):
        """The served answers, one per text: the most likely next character (word) with its
        probability, and the `top_k` best."""
        return [{"label": ranked[0][0], "probability": ranked[0][1], "top_k": [{"label": unit, "probability": p} for unit, p in ranked]}
                for ranked in self.predict(texts, top_k)]

    # ----------------------------------------------------------------- word vectors
    def word_vectors(self):
        """{word: its learned input vector (float32, embedding_dim)} for every word of a
        unit="word" model, the most frequent first."""
        vocabulary, table = self._words()
        return {word: table[i] for i, word in enumerate(vocabulary.symbols) if i}

    def nearest_words(self, word, k=10):
        """The `k` words whose vectors are nearest to `word`'s by cosine similarity: a list of
        (word, similarity), best first. A word outside the vocabulary is an error."""
        from deeptoolkit import vectors

        check_positive_int("k", k)
        vocabulary, table = self._words()
        row = vocabulary.index(word)
        return [(vocabulary.symbols[i], s) for i, s in vectors.cosine_neighbours(table, table[row], k, exclude=(0, row))]

    def neighbours(self, nearest=(), k=10):
        """{word: its `k` nearest words with their similarity} for each word of `nearest`."""
        return {word: self.nearest_words(word, k) for word in nearest}

    def draw_word_map(self, path, words=200, seed=0):
        """A 2-D t-SNE of the vectors of the `words` most frequent words (punctuation and line
        ends left out), each labelled, written to `path` (PNG)."""
        from deeptoolkit import vectors

        check_positive_int("words", words)
        vocabulary, table = self._words()
        rows = [i for i, w in enumerate(vocabulary.symbols) if i and w[0].isalnum()][:words]
        if len(rows) < 5:
            raise DeeptoolkitError(f"Expected a vocabulary of at least 5 words to map. Received: {len(rows)} words")
        from deeptoolkit import plots

        title = f"Word vectors of the {len(rows)} most frequent words (t-SNE)"
        return plots.labelled_map(vectors.map_2d(table[rows], seed), [vocabulary.symbols[i] for i in rows], path, title)

    def _words(self):
        """(the word vocabulary, the embedding table) of a unit="word" model."""
        self._require_fitted()
        vocabulary = self.vocabulary
        if vocabulary.unit != "word":
            raise DeeptoolkitError("Word vectors need a model of words: this CharRNN reads characters. "
                                   "Train one with CharRNN(unit='word') or `char-rnn train --unit word`")
        return vocabulary, np.asarray(self.model.get_layer("embedding").embeddings, "float32")

    # ----------------------------------------------------------------- evaluation
    def evaluate(self, data=None, batch_size=None):
        """Loss in nats per character, bits per character and perplexity (per word, with
        unit="word": bits_per_word, words, unknown_words).

        Without data: the held-out last part of the training text. With data: all of it. Every
        unit after the first is scored: the text is read in windows of sequence_length, each
        from a fresh state as in training, the last one shorter. Units never seen in training
        count as the unknown symbol (their number is reported).
        """
        import keras
        from deeptoolkit.data.char_windows import evaluation_windows, window_count

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
        unit = self._unit_name
        if len(ids) < 2:
            raise DeeptoolkitError(f"Expected a text of at least two {unit}s to score. Received: {len(ids)} {unit}(s)")
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
            f"bits_per_{unit}": loss / math.log(2),
            "perplexity": math.exp(loss),
            f"{unit}s": len(ids) - 1,
            f"unknown_{unit}s": int((ids == 0).sum()),
            "split": which,
        }
