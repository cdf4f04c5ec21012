"""Translator: an encoder-decoder RNN with attention, greedy and beam-search decoding.

    from deeptoolkit import Translator
    translator = Translator()                      # bidirectional GRU encoder, GRU decoder, additive attention
    translator.fit()                               # generated English-French phrasebook; or fra.txt, pairs ...
    translator.evaluate(beam=4)                    # corpus BLEU-4 and token accuracy on held-out pairs
    translator.translate("the children often see the red cars .", beam=4)
    translator.attention("i like the small cat .") # source x target weights, for a heatmap
"""

import logging
import os

import keras
import numpy as np

from deeptoolkit.data import parallel
from deeptoolkit.data.pipeline import batched
from deeptoolkit.data.word_vocabulary import WordVocabulary
from deeptoolkit.decoding import StepDecoder
from deeptoolkit.errors import DeeptoolkitError
from deeptoolkit.models.seq2seq import (
    ATTENTION,
    seq2seq,
    seq2seq_attention,
    seq2seq_encoder,
    seq2seq_stepper,
)
from deeptoolkit.tasks.base import (
    Task,
    TrainingData,
    arguments,
    check_positive_int,
    warmup_cosine,
)

log = logging.getLogger("deeptoolkit")


class Translator(Task):
    """Translate sentences with an attentional encoder-decoder.

    Args:
        attention: "additive" (Bahdanau scores), "dot" (Luong) or None (Sutskever's plain
            encoder-decoder, for comparison).
        embedding_dim, units, dropout: the network.
        max_length: longest sentence in tokens; longer training pairs are left out, longer
            sentences to translate are cut (with a warning), and no output is longer.
        reverse: translate from the second column to the first.
        min_count: words seen fewer times in training are read as <unk>.
        epochs, batch_size, learning_rate, clipnorm: Adam with warm-up and cosine decay, global
            gradient-norm clipping.
        validation_split: fraction of pairs held out at random (seeded) to pick the best epoch
            and for evaluate() without data.
        patience: epochs without validation improvement before stopping (0: never stop).
        precision, distribute, seed, jit_compile: see `deeptoolkit.runtime`.
    """

    cli_name = "translator"

    def __init__(
        self,
        attention="additive",
        embedding_dim=128,
        units=256,
        dropout=0.1,
        max_length=20,
        reverse=False,
        min_count=1,
        epochs=30,
        batch_size=64,
        learning_rate=3e-3,
        clipnorm=1.0,
        validation_split=0.1,
        patience=5,
        precision="auto",
        distribute=None,
        seed=None,
        jit_compile="auto",
    ):
        super().__init__(**arguments(locals()))
        self._parts = None

    def _check_config(self):
        super()._check_config()
        if self.config["attention"] not in ATTENTION:
            raise DeeptoolkitError(f"attention must be one of {ATTENTION}. Received: attention={self.config['attention']!r}")
        for name in ("embedding_dim", "units", "max_length", "min_count"):
            check_positive_int(name, self.config[name])

    @property
    def vocabularies(self):
        if "source_vocabulary" not in self.state:
            self._require_fitted()
        return WordVocabulary.from_dict(self.state["source_vocabulary"]), WordVocabulary.from_dict(self.state["target_vocabulary"])

    # ----------------------------------------------------------------- training
    def fit(self, data=None, **kwargs):
        """Train on sentence pairs: a Tatoeba/Anki file, (source file, target file), a list of
        (source, target) pairs, 'tfds:NAME', or the generated phrasebook (default)."""
        history = super().fit(data, None, **kwargs)
        self._parts = None
        return history

    def _pairs(self, data):
        """Tokenised (source, target) pairs of `data`, the ones longer than max_length left out."""
        pairs, spec = parallel.read_pairs(data, reverse=self.config["reverse"])
        limit = self.config["max_length"]
        tokenised = [(parallel.tokenize(s), parallel.tokenize(t)) for s, t in pairs]
        kept = [(s, t) for s, t in tokenised if 0 < len(s) <= limit and 0 < len(t) <= limit]
        if len(kept) < len(tokenised):
            log.info("left out %d of %d pairs longer than max_length=%d tokens", len(tokenised) - len(kept), len(tokenised), limit)
        if not kept:
            raise DeeptoolkitError(f"No sentence pair is within max_length={limit} tokens. Received: data={data!r}")
        return kept, spec

    def _training_data(self, data, labels, batch_size):
        if labels is not None:
            raise DeeptoolkitError("Translator reads targets from its pairs; labels are not taken. Received: labels")
        pairs, spec = self._pairs(data)
        split = self._validation_split(np.arange(len(pairs)))
        train, validation = (pairs, []) if split is None else ([pairs[i] for i in split[0]], [pairs[i] for i in split[1]])
        min_count = self.config["min_count"]
        source_vocabulary = WordVocabulary.fit([s for s, _ in train], min_count)
        target_vocabulary = WordVocabulary.fit([t for _, t in train], min_count)
        self.state = {"source_vocabulary": source_vocabulary.to_dict(), "target_vocabulary": target_vocabulary.to_dict(),
                      "data": spec, "pairs": len(pairs)}
        self._parts = None
        train_ds = self._batches(train, batch_size, shuffle=True)
        validation_ds = self._batches(validation, batch_size) if validation else None
        return TrainingData(train_ds, validation_ds, int(train_ds.cardinality()))

    def _batches(self, pairs, batch_size, shuffle=False):
        """Batches of pairs of similar length (a bucket per length up to 12, then wider ones)."""
        boundaries = sorted(set(range(3, 13)) | set(range(13, self.config["max_length"] + 3, 3)))
        lengths = [max(len(s), len(t) + 1) for s, t in pairs]
        return batched(self._dataset(pairs), batch_size, shuffle=shuffle, seed=self.config["seed"], lengths=lengths,
                       boundaries=boundaries)

    def _encode_pairs(self, pairs):
        source_vocabulary, target_vocabulary = self.vocabularies
        limit = self.config["max_length"]
        sources = np.stack([source_vocabulary.encode(s, limit) for s, _ in pairs])
        targets_in = np.stack([target_vocabulary.encode(t, limit + 1, start=True) for _, t in pairs])
        targets_out = np.stack([target_vocabulary.encode(t, limit + 1, end=True) for _, t in pairs])
        return sources, targets_in, targets_out

    def _dataset(self, pairs):
        """Unpadded (source, <start> target) -> target <end> elements; batching pads them."""
        import tensorflow as tf

        source_vocabulary, target_vocabulary = self.vocabularies
        sources = [source_vocabulary.encode(s) for s, _ in pairs]
        targets = [target_vocabulary.encode(t) for _, t in pairs]

        def ragged(rows):
            return tf.RaggedTensor.from_row_lengths(np.concatenate(rows).astype("int32"), [len(row) for row in rows])

        start, end = np.int32(target_vocabulary.start), np.int32(target_vocabulary.end)
        elements = tf.data.Dataset.from_tensor_slices((ragged(sources), ragged(targets)))
        # Slices of a ragged tensor come out typed as ragged; identity makes them plain vectors.
        return elements.map(lambda source, target: ({"source": tf.identity(source), "target_in": tf.concat([[start], target], 0)},
                                                    tf.concat([target, [end]], 0)))

    def _build_model(self):
        source_vocabulary, target_vocabulary = self.vocabularies
        config = self.config
        return seq2seq(len(source_vocabulary), len(target_vocabulary), config["embedding_dim"], config["units"],
                       config["attention"], config["dropout"])

    def _compile_arguments(self, total_steps):
        schedule = warmup_cosine(self.config["learning_rate"], total_steps, alpha=0.05)
        return dict(
            optimizer=keras.optimizers.Adam(schedule, global_clipnorm=self.config["clipnorm"]),
            # Padding after <end> is not a word to learn.
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
        )

    # ----------------------------------------------------------------- translating
    def translate(self, sentences, beam=None, max_length=None):
        """The translation of a sentence (str) or of each sentence in a list.

        beam: beam-search width (None or 1: greedy). max_length: longest output in tokens
        (default: the model's max_length). A sentence longer than the model's max_length is
        cut to it, with a warning; words never seen in training are read as <unk>.
        """
        single = isinstance(sentences, str)
        outputs = self._translate_tokens([sentences] if single else sentences, beam, max_length)
        texts = [parallel.detokenize(tokens) for tokens in outputs]
        return texts[0] if single else texts

    def _translate_tokens(self, sentences, beam=None, max_length=None, batch_size=64):
        self._require_fitted()
        if not isinstance(sentences, (list, tuple)) or not sentences:
            raise DeeptoolkitError(f"Expected a sentence or a non-empty list of sentences. Received: {sentences!r}")
        limit = self.config["max_length"]
        max_length = limit if max_length is None else max_length
        check_positive_int("max_length", max_length)
        if beam is not None:
            check_positive_int("beam", beam)
        tokens = [self._source_tokens(s, index) for index, s in enumerate(sentences)]
        source_vocabulary, target_vocabulary = self.vocabularies
        encoder, decoder = self._decoding_parts()
        outputs = []
        for start in range(0, len(tokens), batch_size):
            sources = np.stack([source_vocabulary.encode(t, limit) for t in tokens[start : start + batch_size]])
            state, memory = (np.asarray(x) for x in encoder(sources, training=False))
            prompt = np.full((len(sources), 1), target_vocabulary.start, "int32")
            ids = decoder.sample(prompt, max_length + 1, beams=beam or 1, states=[state, memory, sources])
            # The extra step leaves room for <end>; a sentence never has more than max_length words.
            outputs.extend(target_vocabulary.decode(row[:max_length]) for row in ids)
        return outputs

    def _source_tokens(self, sentence, index=0):
        if not isinstance(sentence, str) or not parallel.tokenize(sentence):
            raise DeeptoolkitError(f"Expected a sentence with words in it. Received: sentence {index}={sentence!r}")
        tokens = parallel.tokenize(sentence)
        limit = self.config["max_length"]
        if len(tokens) > limit:
            log.warning("sentence %d has %d tokens; only the first max_length=%d are translated", index, len(tokens), limit)
        return tokens[:limit]

    def _decoding_parts(self):
        if self._parts is None:
            _, target_vocabulary = self.vocabularies
            stepper = seq2seq_stepper(self.model)
            never = [target_vocabulary.pad, target_vocabulary.unk, target_vocabulary.start]
            self._parts = seq2seq_encoder(self.model), StepDecoder(stepper, never=never, end=target_vocabulary.end)
        return self._parts

    def attention(self, sentence, beam=None):
        """{source, target, weights}: the tokens and the (target x source) attention of the translation."""
        self._require_fitted()
        if self.config["attention"] is None:
            raise DeeptoolkitError("This Translator has no attention (attention=None). Received: attention()")
        source_tokens = self._source_tokens(sentence)
        target_tokens = self._translate_tokens([sentence], beam)[0]
        source_vocabulary, target_vocabulary = self.vocabularies
        source = source_vocabulary.encode(source_tokens)[None]
        encoder, _ = self._decoding_parts()
        state, memory = (np.asarray(x) for x in encoder(source, training=False))
        target_in = target_vocabulary.encode(target_tokens, start=True)[None]
        weights = np.asarray(seq2seq_attention(self.model)([target_in, state, memory, source], training=False))[0]
        return {"source": source_tokens, "target": target_tokens + ["<end>"], "weights": weights[:, : len(source_tokens)].tolist()}

    def predict(self, data, beam=None):
        """Translations of a list of sentences, or of a text file with one sentence per line."""
        if isinstance(data, (str, os.PathLike)) and os.path.isfile(data):
            with open(data, encoding="utf-8") as handle:
                data = [line.strip() for line in handle if line.strip()]
        elif isinstance(data, str):
            data = [data]
        return self.translate(list(data), beam=beam)

    # ----------------------------------------------------------------- evaluation
    def evaluate(self, data=None, beam=None, batch_size=None):
        """Corpus BLEU-4 (a fraction in [0, 1]) and teacher-forced token accuracy.

        Without data: the pairs held out in training. With data: every pair of it (any
        accepted form); pairs longer than max_length are left out as in training.
        """
        import keras_hub

        self._require_fitted()
        if data is None:
            if self.state.get("data") is None:  # a list of pairs given in memory was not saved
                raise DeeptoolkitError("This model was trained on a list of pairs, which was not saved. Pass data to evaluate().")
            pairs, _ = self._pairs(self.state.get("data"))
            split = self._validation_split(np.arange(len(pairs)))
            if split is None:
                raise DeeptoolkitError("Nothing was held out (validation_split=0). Pass data to evaluate().")
            pairs, which = [pairs[i] for i in split[1]], "validation"
        else:
            pairs, _ = self._pairs(data)
            which = "given"
        hypotheses = self._translate_tokens([" ".join(s) for s, _ in pairs], beam)
        bleu = keras_hub.metrics.Bleu()
        bleu.update_state([[" ".join(t)] for _, t in pairs], [" ".join(h) for h in hypotheses])
        sources, targets_in, targets_out = self._encode_pairs(pairs)
        logits = self.model.predict({"source": sources, "target_in": targets_in}, batch_size=batch_size or 256, verbose=0)
        words = targets_out != 0
        token_accuracy = float((logits.argmax(-1) == targets_out)[words].mean())
        exact = float(np.mean([h == t for h, (_, t) in zip(hypotheses, pairs)]))
        return {"bleu": float(bleu.result()), "token_accuracy": token_accuracy, "exact_match": exact,
                "pairs": len(pairs), "beam": beam or 1, "split": which}
