"""Translator: an encoder-decoder RNN with attention, greedy and beam-search decoding.

    from deeptoolkit import Translator
    translator = Translator()                      # bidirectional GRU encoder, GRU decoder, additive attention
    translator.fit()                               # generated English-French phrasebook; or fra.txt, pairs ...
    translator.evaluate(beam=4)                    # corpus BLEU-4 and token accuracy on held-out pairs
    translator.translate("the children often see the red cars .", beam=4)
    translator.attention("i like the small cat .") # source x target weights, for a heatmap
    translator.encode(["i am cold .", "i feel cold ."])   # one vector per sentence: the encoder's summary
"""

import logging
import os

import numpy as np

from deeptoolkit.checks import check_positive_int
from deeptoolkit.data import parallel
from deeptoolkit.data.word_vocabulary import WordVocabulary
from deeptoolkit.tasks.word_vector_start import FINE_TUNE_VECTORS, embedding_size, start_embedding, vectors_option
from deeptoolkit.declaration import BEAM, RETURN_ATTENTION, Input, Option, Verb
from deeptoolkit import inputs
from deeptoolkit.errors import DeeptoolkitError
from deeptoolkit.metrics.scores import Scores
from deeptoolkit.models.inference import predict_batches
from deeptoolkit.tasks.base import arguments
from deeptoolkit.tasks.encoder_decoder import EncoderDecoderTask
from deeptoolkit.tasks.run import TrainingData

log = logging.getLogger("deeptoolkit")


class Translator(EncoderDecoderTask):
    """Translate sentences with an attentional encoder-decoder.

    `fit` reads sentence pairs: a Tatoeba/Anki file, (source file, target file), a list of
    (source, target) pairs, 'tfds:NAME', or the generated phrasebook (default).
    """

    summary = "Encoder-decoder RNN with attention: translate sentences."
    options = (
        Option("attention", "additive (Bahdanau), dot (Luong), or none: Sutskever's plain encoder-decoder, for comparison.",
               choices=("additive", "dot", None), none="none"),
        Option("embedding_dim", "Size of the word embeddings.", type=int, low=1),
        Option("units", "GRU units.", type=int, low=1),
        Option("dropout", "Dropout of the network.", type=float, low=0, high=1, high_open=True),
        Option("max_length", "Longest sentence in tokens: longer training pairs are left out, longer sentences cut to it "
               "(both counted in a warning); no output is longer.", type=int, low=1),
        Option("reverse", "Translate from the second column to the first.", type=bool),
        Option("min_count", "Words seen fewer times in training are read as <unk>.", type=int, low=1),
        Option("clipnorm", "The global gradient norm is clipped to this.", type=float, low=0, low_open=True),
        vectors_option("source_vectors", "the source side's word embedding (an English source, as in fra-eng)"),
        vectors_option("target_vectors", "the target side's word embedding (an English target, with reverse)"),
        FINE_TUNE_VECTORS,
    )
    verbs = (
        Verb("translate", "The translation of a sentence, optionally with its attention matrix.",
             inputs=(Input("sentence", "text", many=True, example="i like the cat ."),), options=(BEAM, RETURN_ATTENTION), answer="_translation_answer",
             view="translation", file=Option("attention_map", "Write the source-target heatmap PNG (one file per sentence: OUT.png, "
                                                           "OUT-2.png, ...)."), write="draw_attention"),
        Verb("predict", "The translation of every line of a file: source<TAB>translation.",
             inputs=(Input("sentences", "lines"),), options=(BEAM,), view="pairs", served=False),
        Verb("map", "A 2-D t-SNE map of how the encoder sums up each line of a file, labelled.", inputs=(Input("sentences", "lines"),),
             options=(Option("nearest", "Also print each sentence's this many nearest others.", type=int, low=0, default=0),),
             method="neighbours", file=Option("out", "The PNG to write.", default="phrases.png"), write="draw_sentence_map",
             view="neighbours", served=False),
    )
    training_data_help = "a Tatoeba/Anki file; default: the generated phrasebook"
    evaluate_summary = "Corpus BLEU-4 and token accuracy of MODEL."
    evaluation_data_help = "Pairs to score (default: the pairs held out in training)."
    evaluate_options = (BEAM,)
    held_out_line = "held-out {split} BLEU-4 (greedy): {bleu4:.4f} ({pairs} pairs)"

    def __init__(self, attention="additive", embedding_dim=128, units=256, dropout=0.1, max_length=20, reverse=False, min_count=1,
                 source_vectors=None, target_vectors=None, fine_tune_vectors=True,
                 epochs=30, batch_size=64, learning_rate=3e-3, clipnorm=1.0, validation_split=0.1, patience=5, min_delta=1e-3,
                 precision="auto", distribute=None, seed=None, jit_compile="auto"):
        super().__init__(**arguments(locals()))

    @property
    def vocabularies(self):
        if "source_vocabulary" not in self.state:
            self._require_fitted()
        return WordVocabulary.from_dict(self.state["source_vocabulary"]), WordVocabulary.from_dict(self.state["target_vocabulary"])

    # ----------------------------------------------------------------- training
    def _training_pairs(self, data):
        """(tokenised pairs of `data` within max_length on both sides, spec): what fit trains and
        validates on, so that evaluate() without data finds the same held-out pairs."""
        pairs, spec = parallel.read_pairs(data, reverse=self.config["reverse"])
        limit = self.config["max_length"]
        tokenised = [(parallel.tokenize(s), parallel.tokenize(t)) for s, t in pairs]
        kept = [(s, t) for s, t in tokenised if 0 < len(s) <= limit and 0 < len(t) <= limit]
        if not kept:
            raise DeeptoolkitError(f"No sentence pair is within max_length={limit} tokens. Received: data={data!r}")
        if len(kept) < len(tokenised):
            log.warning("training on %d of %d pairs: %d are longer than max_length=%d tokens", len(kept), len(tokenised),
                        len(tokenised) - len(kept), limit)
        return kept, spec

    def _training_data(self, run):
        pairs, spec = self._training_pairs(run.data)
        split = self._validation_split(np.arange(len(pairs)))
        train, validation = (pairs, []) if split is None else ([pairs[i] for i in split[0]], [pairs[i] for i in split[1]])
        min_count = self.config["min_count"]
        source_vocabulary = WordVocabulary.fit([s for s, _ in train], min_count)
        target_vocabulary = WordVocabulary.fit([t for _, t in train], min_count)
        self.state = {"source_vocabulary": source_vocabulary.to_dict(), "target_vocabulary": target_vocabulary.to_dict(),
                      "data": spec, "pairs": len(pairs)}
        train_ds = self._batches(train, run.batch_size, shuffle=True, seed=run.seed)
        validation_ds = self._batches(validation, run.batch_size) if validation else None
        return TrainingData(train_ds, validation_ds, int(train_ds.cardinality()))

    def _batches(self, pairs, batch_size, shuffle=False, seed=None):
        """Batches of pairs of similar length (a bucket per length up to 12, then wider ones)."""
        from deeptoolkit.data.pipeline import batched

        boundaries = sorted(set(range(3, 13)) | set(range(13, self.config["max_length"] + 3, 3)))
        lengths = [max(len(s), len(t) + 1) for s, t in pairs]
        return batched(self._dataset(pairs), batch_size, shuffle=shuffle, seed=seed, lengths=lengths, boundaries=boundaries)

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

    def _build_model(self, run):
        from deeptoolkit.models.seq2seq import seq2seq

        source_vocabulary, target_vocabulary = self.vocabularies
        config = self.config
        dim = config["embedding_dim"]
        model = seq2seq(len(source_vocabulary), len(target_vocabulary), dim, config["units"], config["attention"], config["dropout"],
                        embedding_size(config["source_vectors"], dim), embedding_size(config["target_vectors"], dim))
        for side, vocabulary in (("source", source_vocabulary), ("target", target_vocabulary)):
            if config[f"{side}_vectors"] is not None:
                start_embedding(model.get_layer(f"{side}_embedding"), vocabulary.words, config[f"{side}_vectors"],
                                config["fine_tune_vectors"], run.seed or 0)
        return model

    # ----------------------------------------------------------------- translating
    def translate(self, sentences, beam=None, max_length=None):
        """The translation of a sentence (str) or of each sentence in a list.

        beam: beam-search width (None or 1: greedy). max_length: longest output in tokens
        (default: the model's max_length). A sentence longer than the model's max_length is
        cut to it, with a warning; words never seen in training are read as <unk>.
        """
        self._require_fitted()
        sentences, single = inputs.texts(sentences, "sentence")
        texts = [parallel.detokenize(tokens) for tokens in self._translate_tokens(self._source_tokens(sentences), beam, max_length)]
        return texts[0] if single else texts

    def _source_tokens(self, sentences):
        """Token lists of the sentences, each cut to max_length (the cut ones counted in one warning)."""
        tokens = []
        for index, sentence in enumerate(sentences):
            if not isinstance(sentence, str) or not parallel.tokenize(sentence):
                raise DeeptoolkitError(f"Expected a sentence with words in it. Received: sentence {index}={sentence!r}")
            tokens.append(parallel.tokenize(sentence))
        return self._cut(tokens, "sentence")

    def _cut(self, token_lists, what):
        limit = self.config["max_length"]
        long = [index for index, tokens in enumerate(token_lists) if len(tokens) > limit]
        if long:
            log.warning("%d %s(s) longer than max_length=%d tokens (the first: %s %d); only the first max_length=%d are "
                        "translated", len(long), what, limit, what, long[0], limit)
        return [tokens[:limit] for tokens in token_lists]

    def _translate_tokens(self, token_lists, beam=None, max_length=None):
        """Translations (token lists) of source token lists already within max_length."""
        source_vocabulary, _ = self.vocabularies
        sources = np.stack([source_vocabulary.encode(tokens, self.config["max_length"]) for tokens in token_lists])
        return self._write(sources, beam, max_length)

    def _decoding_parts(self):
        from deeptoolkit.models.seq2seq import seq2seq_stepper

        _, target_vocabulary = self.vocabularies

        def encode(sources):
            state, memory = self._encoder()(sources, training=False)
            return [np.asarray(state), np.asarray(memory), sources]  # the decoder masks the source's padding

        return encode, seq2seq_stepper(self.model), target_vocabulary

    def _encoder(self):
        from deeptoolkit.models.seq2seq import seq2seq_encoder

        return self._cached("encoder", lambda: seq2seq_encoder(self.model))

    def _translation_answer(self, sentences, beam=None, attention=False):
        """The served answers, one per sentence of the list `sentences`: {translation}, and with
        `attention` its attention matrix."""
        answers = [{"translation": text} for text in self.translate(list(sentences), beam=beam)]
        if attention and self.config["attention"] is not None:
            for answer, sentence in zip(answers, sentences):
                answer["attention"] = self.attention(sentence, beam=beam)
        return answers

    def draw_attention(self, sentences, path, beam=None):
        """The attention of the translation of a sentence as a source x target heatmap PNG at
        `path` (its path returned); of each sentence of a list, `path` for the first, then
        PATH-2.png, ... (the paths returned)."""
        from deeptoolkit import plots

        stem, extension = os.path.splitext(os.fspath(path))
        written = []
        for index, sentence in enumerate([sentences] if isinstance(sentences, str) else sentences):
            weights = self.attention(sentence, beam=beam)
            target = os.fspath(path) if index == 0 else f"{stem}-{index + 1}{extension or '.png'}"
            written.append(plots.translation_attention(weights["source"], weights["target"], weights["weights"], target, sentence))
        return written[0] if isinstance(sentences, str) else written

    def neighbours(self, sentences, nearest=0):
        """{sentence: its `nearest` nearest others among `sentences` with their similarity}."""
        return {sentence: self.nearest_sentences(sentence, sentences, k=nearest) for sentence in sentences} if nearest else {}

    def attention(self, sentence, beam=None):
        """{source, target, weights}: the tokens and the (target x source) attention of the translation."""
        from deeptoolkit.models.seq2seq import seq2seq_attention

        self._require_fitted()
        if self.config["attention"] is None:
            raise DeeptoolkitError("This Translator has no attention (attention=None). Received: attention()")
        (source_tokens,) = self._source_tokens([sentence])
        target_tokens = self._translate_tokens([source_tokens], beam)[0]
        source_vocabulary, target_vocabulary = self.vocabularies
        source = source_vocabulary.encode(source_tokens)[None]
        state, memory = (np.asarray(x) for x in self._encoder()(source, training=False))
        target_in = target_vocabulary.encode(target_tokens, start=True)[None]
        weights = np.asarray(seq2seq_attention(self.model)([target_in, state, memory, source], training=False))[0]
        return {"source": source_tokens, "target": target_tokens + ["<end>"], "weights": weights[:, : len(source_tokens)].tolist()}

    # ----------------------------------------------------------------- phrase representations
    def encode(self, sentences, batch_size=256):
        """One vector per sentence (float32, (N, units)): the encoder's summary of it, the state
        the decoder starts from (its final forward and backward states through the bridge).
        Sentences that mean the same tend to land near each other (Sutskever et al. 2014)."""
        self._require_fitted()
        if isinstance(sentences, str):
            sentences = [sentences]
        if not isinstance(sentences, (list, tuple)) or not sentences:
            raise DeeptoolkitError(f"Expected a sentence or a non-empty list of sentences. Received: {sentences!r}")
        source_vocabulary, _ = self.vocabularies
        tokens = self._source_tokens(sentences)
        sources = np.stack([source_vocabulary.encode(t, self.config["max_length"]) for t in tokens])
        encoder = self._encoder()
        states = [np.asarray(encoder(sources[i:i + batch_size], training=False)[0]) for i in range(0, len(sources), batch_size)]
        return np.concatenate(states).astype("float32")

    def nearest_sentences(self, sentence, candidates, k=5):
        """The `k` candidates whose encodings are nearest to `sentence`'s (cosine): a list of
        (candidate, similarity), best first; `sentence` itself is left out if among them."""
        from deeptoolkit import vectors

        check_positive_int("k", k)
        if not isinstance(candidates, (list, tuple)) or not candidates:
            raise DeeptoolkitError(f"Expected a non-empty list of candidate sentences. Received: {candidates!r}")
        codes = self.encode([sentence, *candidates])
        same = [i for i, candidate in enumerate(candidates) if candidate == sentence]
        return [(candidates[i], s) for i, s in vectors.cosine_neighbours(codes[1:], codes[0], k, exclude=same)]

    def draw_sentence_map(self, sentences, path, seed=0):
        """A 2-D t-SNE of the sentences' encodings, each labelled, written to `path` (PNG)."""
        from deeptoolkit import vectors

        codes = self.encode(sentences)
        if len(codes) < 3:
            raise DeeptoolkitError(f"Expected at least 3 sentences to map. Received: {len(codes)}")
        from deeptoolkit import plots

        title = f"Sentences as the encoder sums them up ({len(codes)} sentences, t-SNE)"
        return plots.labelled_map(vectors.map_2d(codes, seed), list(sentences), path, title)

    def predict(self, data, beam=None):
        """Translations of a list of sentences, of one sentence (a list of one), or of a text file
        with one sentence per line."""
        if isinstance(data, (str, os.PathLike)) and os.path.isfile(data):
            data = parallel.read_sentences(data)
        elif isinstance(data, str):
            data = [data]
        return self.translate(list(data), beam=beam)

    # ----------------------------------------------------------------- evaluation
    def evaluate(self, data=None, beam=None, batch_size=None):
        """Corpus BLEU-4 (a fraction in [0, 1]), teacher-forced token accuracy and exact matches.

        Without data: the pairs held out in training. With data: every pair of it (any accepted
        form). Every pair is translated and scored: a source longer than max_length is cut to it
        (as in translate), a longer reference is kept whole; both are counted in the result.
        """
        self._require_fitted()
        if data is None:
            pairs, _ = self._training_pairs(self._training_spec())
            pairs, which = [pairs[i] for i in self._held_out_indices(np.arange(len(pairs)))], "validation"
        else:
            given, _ = parallel.read_pairs(data, reverse=self.config["reverse"])
            pairs, which = [(parallel.tokenize(s), parallel.tokenize(t)) for s, t in given], "given"
        limit = self.config["max_length"]
        sources = self._cut([s for s, _ in pairs], "source")
        readable = [i for i, tokens in enumerate(sources) if tokens]  # a source of no word translates to nothing
        hypotheses = [[] for _ in pairs]
        if readable:
            for i, words in zip(readable, self._translate_tokens([sources[i] for i in readable], beam)):
                hypotheses[i] = words
        references = [t for _, t in pairs]
        bleu = self._bleu([[t] for t in references], hypotheses)[4]
        return Scores({"bleu4": bleu, "token_accuracy": self._token_accuracy(sources, references, batch_size),
                "exact_match": float(np.mean([h == t for h, t in zip(hypotheses, references)])), "pairs": len(pairs),
                "sources_cut": sum(len(s) > limit for s, _ in pairs), "references_longer": sum(len(t) > limit for t in references),
                "beam": beam or 1, "split": which}, renamed={"bleu": "bleu4"})

    def _token_accuracy(self, sources, references, batch_size=None):
        """The share of reference words (and <end>) predicted right given the reference so far."""
        source_vocabulary, target_vocabulary = self.vocabularies
        steps = max(len(t) for t in references) + 1
        encoded = np.stack([source_vocabulary.encode(s, self.config["max_length"]) for s in sources])
        targets_in = np.stack([target_vocabulary.encode(t, steps, start=True) for t in references])
        targets_out = np.stack([target_vocabulary.encode(t, steps, end=True) for t in references])
        logits = predict_batches(self.model, {"source": encoded, "target_in": targets_in}, batch_size or 256)
        words = targets_out != 0
        return float((logits.argmax(-1) == targets_out)[words].mean())
