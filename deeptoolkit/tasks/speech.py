"""SpeechRecognizer: the review's speech recognition, from a spoken word to a spoken sequence.

    from deeptoolkit import SpeechRecognizer
    asr = SpeechRecognizer()                      # words: a convnet on log-mel features
    asr.fit("recordings/")                        # class folders, {label}_*.wav, a CSV/TSV manifest, arrays
    asr.predict("clip.wav", top_k=3)              # the word heard, with its alternatives
    asr.evaluate()                                # accuracy, per-label accuracy, confusion
    asr.draw_inspection("clip.wav", "clip.png")   # waveform, log-mel, where each word is heard

    seq = SpeechRecognizer(mode="sequences")      # conv + bidirectional GRUs + CTC
    seq.fit("manifest.tsv")                       # path<TAB>transcript
    seq.transcribe("call.wav", beam=8)            # "3 1 4 1 5"
    seq.evaluate()                                # word and character error rates
"""

import logging

import numpy as np

from deeptoolkit.declaration import Input, Option, Verb, top_k
from deeptoolkit.errors import DeeptoolkitError
from deeptoolkit.tasks.base import Task, arguments
from deeptoolkit.tasks.run import TrainingData

log = logging.getLogger("deeptoolkit")

MODES = ("auto", "words", "sequences")
UNITS = ("word", "character")
CLIPS = Input("clips", "audio", "A WAV clip (8-48 kHz, any length up to max_seconds)", many=True)
BEAM = Option("beam", "CTC beam-search width of a sequence model (widened to top_k; greedy when both are 1).", type=int,
              low=1, high=64, default=8)
RATE = Option("rate", "Sample rate (Hz) of clips given as arrays; files carry their own. Default: the model's sample_rate.",
              type=int, low=8000, high=96000, default=None)


class SpeechRecognizer(Task):
    """Recognise spoken words (one label per clip) or transcribe spoken sequences (CTC).
    """

    takes_labels = True

    summary = "Speech recognition: spoken words (a convnet) and spoken sequences (conv + recurrent + CTC)."
    options = (
        Option("mode", "words: one label per clip (a convolutional acoustic model); sequences: a transcript per clip (conv + "
               "bidirectional GRUs + CTC); auto: sequences when a transcript has several words.", choices=MODES),
        Option("unit", "What the sequence model writes: words (a closed vocabulary, such as digits) or characters.", choices=UNITS),
        Option("sample_rate", "The rate the model hears (Hz): every clip is resampled to it.", type=int, low=8000, high=48000),
        Option("n_mels", "Mel bands of the log-mel front end.", type=int, low=8, high=128),
        Option("normalize", "How the log-mel features are normalised over each clip: clip (one mean and scale: the level "
               "taken out) or band (each band's own mean too: the microphone's colouring taken out).", choices=("clip", "band")),
        Option("max_seconds", "The longest clip the model reads: a longer word clip is cut (and counted), a longer "
               "transcribed clip is refused (its transcript would no longer match).", type=float, low=0.1),
        Option("spec_augment", "Augment while training: SpecAugment's time and frequency masks, the warp and the speed below, "
               "and up to 0.1 s of near-silence added before and after each clip.", type=bool),
        Option("speed", "While training, each clip played up to this much faster or slower, every epoch anew (tempo and "
               "pitch together); 0: none.", type=float, low=0, high=0.5),
        Option("warp", "SpecAugment's random stretch of the mel axis, within 1 +- this (vocal tract length perturbation: "
               "other voices from a few speakers); 0: none.", type=float, low=0, high=0.5),
        Option("width", "Filters multiplier: the convolution blocks have 16, 32 (and 64) filters times this.", type=int, low=1),
        Option("units", "GRU units per direction of the sequence model.", type=int, low=4),
        Option("dropout", "Dropout rate before the output layer.", type=float, low=0, high=1, high_open=True),
        Option("weight_decay", "AdamW's decoupled weight decay.", type=float, low=0),
    )
    verbs = (
        Verb("predict", "What was said in each clip, with the best alternatives.", inputs=(CLIPS,),
             options=(top_k(3, "Alternatives shown per clip."), BEAM), view="transcripts"),
        Verb("transcribe", "The transcript of each clip, one per line.", inputs=(CLIPS,), options=(BEAM,), view="lines",
             served=False),
        Verb("inspect", "Look inside: the clip's waveform, its log-mel spectrogram and, under it, the frame-by-frame "
             "probability of each word (where the model hears it).", inputs=(Input("clip", "audio", "A WAV clip"),),
             file=Option("out", "The PNG to write.", default="speech.png"), write="draw_inspection",
             view="json", served=False),
    )
    fit_options = (RATE,)
    training_data_help = ("a folder of class folders or {label}_*.wav files (train/ and test/ inside it for a test split), a "
                          "CSV/TSV manifest of path and transcript; default builtin:digits (builtin:connected-digits for "
                          "--mode sequences)")
    evaluate_summary = "Accuracy, per-label accuracy and confusion (words), or word and character error rates (sequences)."
    evaluate_options = (BEAM,)
    hidden_metrics = ("confusion_matrix", "class_names", "mistakes")
    metric_details = "per_label"

    def __init__(self, mode="auto", unit="word", sample_rate=16000, n_mels=40, normalize="clip", max_seconds=10.0,
                 spec_augment=True, warp=0.0, speed=0.0, width=2, units=128, dropout=0.2, weight_decay=1e-3, epochs=40,
                 batch_size=32, learning_rate=3e-3, validation_split=0.1, patience=10, min_delta=1e-3, precision="auto",
                 distribute=None, seed=None, jit_compile="auto"):
        super().__init__(**arguments(locals()))

    @property
    def mode(self):
        self._require_fitted()
        return self.state["mode"]

    @property
    def class_names(self):
        """The words of a word model, or the tokens (words or characters) a sequence model writes."""
        self._require_fitted()
        return list(self.state["labels"])

    # ----------------------------------------------------------------- training
    def _training_data(self, run):
        from deeptoolkit.data.speech_source import load_speech_source

        config = self.config
        source = load_speech_source(run.data, run.labels, rate=run.options.get("rate") or config["sample_rate"],
                                    sequences=config["mode"] == "sequences")
        train = source.train
        mode = config["mode"]
        if mode == "auto":
            mode = "sequences" if any(" " in target for target in train.targets) else "words"
        self.state = {"mode": mode, "data": source.spec, "sample_rate": config["sample_rate"]}
        if mode == "words":
            self.state["labels"] = sorted(set(train.targets))
            if len(self.state["labels"]) < 2:
                raise DeeptoolkitError(f"A word model needs at least two words. Received: labels={self.state['labels']}")
        else:
            self.state["labels"] = sorted({token for target in train.targets for token in self._tokens(target)})
        self._check_lengths(train)
        split = self._validation_split(self._strata(train))
        validation = None
        if split is not None:
            train, validation = train.take(split[0]), train.take(split[1])
        batch_size = run.batch_size
        train_ds = self._dataset(train, batch_size, shuffle=True, seed=run.seed)
        validation_ds = self._dataset(validation, batch_size) if validation is not None and len(validation) else None
        return TrainingData(train_ds, validation_ds, int(train_ds.cardinality()))

    def _tokens(self, transcript):
        return transcript.split() if self.config["unit"] == "word" else list(transcript)

    def _strata(self, speech_set):
        """What the validation split stratifies on: the label of a word, nothing for a transcript."""
        return speech_set.targets if self.state["mode"] == "words" else ["clip"] * len(speech_set)

    def _check_lengths(self, speech_set):
        longest = self.config["max_seconds"]
        long = np.flatnonzero(speech_set.seconds > longest)
        if not len(long):
            return
        first = speech_set.clips[long[0]]
        name = first if isinstance(first, str) else first.name
        if self.state["mode"] == "sequences":
            raise DeeptoolkitError(f"{len(long)} transcribed clip(s) are longer than max_seconds={longest:g} and their "
                                   f"transcripts would not match a cut clip: raise max_seconds or split them. Received: "
                                   f"{name!r} of {speech_set.seconds[long[0]]:.1f} s")
        log.warning("%d of %d clips are longer than max_seconds=%g: the model reads their first %g s (first: %s)",
                    len(long), len(speech_set), longest, longest, name)

    def _targets(self, targets):
        import tensorflow as tf

        labels = self.state["labels"]
        index = {label: number for number, label in enumerate(labels)}
        if self.state["mode"] == "words":
            unknown = sorted(set(targets) - set(index))
            if unknown:
                raise DeeptoolkitError(f"Expected the model's words {labels}. Received: labels {unknown}")
            return tf.data.Dataset.from_tensor_slices(np.array([index[t] for t in targets], "int32"))
        from deeptoolkit.data.audio_pipeline import rows

        ids = [[index[token] + 1 for token in self._tokens(t) if token in index] for t in targets]  # 0 is CTC's blank
        return rows(ids, "int32")

    def _audio(self, clips):
        """(audio, length) of each clip at the model's rate, cut at max_seconds (tf.data)."""
        from deeptoolkit.data import audio_pipeline

        decoded = audio_pipeline.file_clips(clips) if isinstance(clips[0], str) else audio_pipeline.array_clips(clips)
        return audio_pipeline.at_rate(decoded, self.state["sample_rate"], self._max_samples(), trim=self._trims_silence())

    def _trims_silence(self):
        """Whether clips lose their silent ends before the model hears them: a model saved by the
        first release (its front end without a floor) heard them whole."""
        if self.model is None:
            return True
        try:
            return self.model.get_layer("log_mel").top_db is not None
        except ValueError:  # no front end of that name: trimmed, as every model since
            return True

    def _max_samples(self):
        return int(self.config["max_seconds"] * self.state["sample_rate"])

    def _dataset(self, speech_set, batch_size, shuffle=False, seed=None):
        import tensorflow as tf
        from deeptoolkit.data.audio_pipeline import augmented, length_buckets
        from deeptoolkit.data.pipeline import batched

        paired = tf.data.Dataset.zip(self._audio(speech_set.clips), self._targets(speech_set.targets)).cache()
        if shuffle and self.config["spec_augment"]:  # after the cache: new every epoch
            paired = augmented(paired, self.config["speed"], self._max_samples(), seed, rate=self.state["sample_rate"])
        lengths, edges = length_buckets(speech_set.seconds, self.state["sample_rate"], self._max_samples())
        return batched(paired, batch_size, shuffle=shuffle, seed=seed, cache=False, lengths=lengths, boundaries=edges)

    def _build_model(self, run):
        from deeptoolkit.models.speech import sequence_model, word_model

        config, state = self.config, self.state
        common = dict(sample_rate=state["sample_rate"], n_mels=config["n_mels"], width=config["width"], dropout=config["dropout"],
                      augment=config["spec_augment"], warp=config["warp"], normalize=config["normalize"], seed=run.seed)
        if state["mode"] == "words":
            return word_model(len(state["labels"]), **common)
        return sequence_model(len(state["labels"]), units=config["units"], **common)

    def _compile_arguments(self, run, total_steps):
        import keras
        from deeptoolkit.models.speech import ctc_loss
        from deeptoolkit.tasks.optimizers import warmup_cosine

        config = self.config
        learning_rate = warmup_cosine(config["learning_rate"], total_steps, warmup_fraction=0.05) if total_steps else config["learning_rate"]
        optimizer = keras.optimizers.AdamW(learning_rate, weight_decay=config["weight_decay"], clipnorm=5.0)
        if self.state["mode"] == "words":
            return dict(optimizer=optimizer, loss=keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"])
        return dict(optimizer=optimizer, loss=ctc_loss)

    # ----------------------------------------------------------------- inference
    def _outputs(self, clips, batch_size=None, frames=False):
        """The model's outputs for Clips, in order, one array per clip (padding frames removed from
        per-frame outputs); `frames`: (log-mel, mask, frame probabilities) instead."""
        import tensorflow as tf
        from deeptoolkit.data.audio_pipeline import padded_batches

        self._require_fitted()
        function = self._cached("frames" if frames else "outputs", lambda: self._inference_function(frames))
        batches = padded_batches(self._audio(clips), batch_size or self.config["batch_size"])
        results = []
        for audio, lengths in batches:
            outputs = function(audio, tf.cast(lengths, tf.int32))
            outputs = [np.asarray(o) for o in (outputs if isinstance(outputs, (list, tuple)) else [outputs])]
            results += [[o[row] for o in outputs] for row in range(len(audio))]
        return results

    def _inference_function(self, frames):
        """One compiled call for batches of any size and length (no retracing per batch shape)."""
        import tensorflow as tf
        from deeptoolkit.models.speech import frame_evidence

        call = frame_evidence(self.model) if frames else lambda audio, lengths: self.model([audio, lengths], training=False)
        signature = [tf.TensorSpec((None, None), tf.float32), tf.TensorSpec((None,), tf.int32)]
        return tf.function(call, input_signature=signature)

    def _clips(self, clips, rate=None):
        from deeptoolkit.data.speech_source import as_clips

        self._require_fitted()
        return as_clips(clips, rate or self.state["sample_rate"])

    def predict(self, clips, top_k=3, beam=8, rate=None, batch_size=None):
        """What was said in each clip: a list with one dict per clip (a single clip too):
        {"transcript", "probability", "alternatives": [{"transcript", "probability"}, ...], "seconds", "cut"}.

        `clips`: WAV paths, a folder, WAV bytes, arrays of samples at `rate` Hz (default: the
        model's), or a list of them. A word model's alternatives are its next most likely words;
        a sequence model's are the best `top_k` of CTC beam search `beam` wide (greedy at 1); `cut`
        says that the clip was longer than max_seconds and only its start was heard.
        """
        from deeptoolkit.checks import check_positive_int
        from deeptoolkit.tasks.speech_decoding import decode, ranked_words

        check_positive_int("top_k", top_k)
        BEAM.check(beam)
        clips = self._clips(clips, rate)
        outputs = [o[0] for o in self._outputs(clips, batch_size)]
        if self.state["mode"] == "words":
            answers = ranked_words(np.stack(outputs), self.state["labels"], top_k)
        else:
            answers = decode(outputs, self.state["labels"], self.config["unit"], beam, top_k)
        longest = self.config["max_seconds"]
        for answer, clip in zip(answers, clips):
            answer.update(seconds=round(clip.seconds, 3), cut=clip.seconds > longest)
            if answer["cut"]:
                log.warning("%s is %.1f s long: the model heard its first %g s (max_seconds)", clip.name, clip.seconds, longest)
        return answers

    def transcribe(self, clips, beam=8, rate=None, batch_size=None):
        """The transcript of each clip (the word of a word model): a string for one clip, a list for a list."""
        from deeptoolkit.data.speech_source import is_one_clip

        texts = [answer["transcript"] for answer in self.predict(clips, top_k=1, beam=beam, rate=rate, batch_size=batch_size)]
        return texts[0] if is_one_clip(clips) else texts

    def inspect(self, clip, rate=None):
        """Where in one clip the model hears each word: {"transcript", "seconds", "words": [{"word",
        "start", "end", "probability"}]}, from the frame-by-frame probabilities; times in seconds of
        what the model hears (the clip with its silent ends trimmed)."""
        return self._inspected(clip, rate)[0]

    def draw_inspection(self, clip, path, rate=None):
        """The figure of `inspect` for one clip, written to `path` (PNG): the waveform, the log-mel
        spectrogram, and under it each word's probability frame by frame."""
        from deeptoolkit import audio_plots

        found, (heard, log_mel, probabilities, step) = self._inspected(clip, rate)
        return audio_plots.inspection(heard, log_mel, probabilities, step, self.state["labels"], found, path)

    def _inspected(self, clip, rate):
        """(inspect()'s answer, `_frames`'s arrays) of one clip, each computed once."""
        from deeptoolkit.tasks.speech_decoding import emissions

        frames = self._frames(clip, rate)
        heard, _, probabilities, step = frames
        transcript = self.predict(clip, top_k=1, rate=rate)[0]["transcript"]
        words = emissions(probabilities, self.state["labels"], self.state["mode"], step)
        return {"transcript": transcript, "seconds": round(heard.seconds, 3), "words": words}, frames

    def _frames(self, clip, rate):
        """(what the model hears of one clip: a Clip at its rate, trimmed and cut; its log-mel
        (frames, mels); per-output-frame probabilities; seconds per output frame), padding left out."""
        from deeptoolkit.data.audio import Clip
        from deeptoolkit.models.speech import HOP_MS

        clips = self._clips(clip, rate)
        if len(clips) != 1:
            raise DeeptoolkitError(f"Expected one clip. Received: {len(clips)} clips")
        heard, _ = next(iter(self._audio(clips)))
        log_mel, mask, probabilities = self._outputs(clips, frames=True)[0]
        stride = round(len(mask) / len(probabilities))
        frames = int(mask.sum())
        return (Clip(heard.numpy(), self.state["sample_rate"], clips[0].name), log_mel[:frames],
                probabilities[: -(-frames // stride)], HOP_MS / 1000 * stride)

    # ----------------------------------------------------------------- evaluation
    def evaluate(self, data=None, labels=None, beam=8, rate=None, batch_size=None):
        """Words: accuracy, per-label accuracy and the confusion matrix; sequences: word and
        character error rates (corpus level) with a few of the mistakes. Without `data`, scores
        the held-out split of the training data (the test split of builtin data and of a folder
        with train/ and test/, else the validation part)."""
        from deeptoolkit.tasks.speech_decoding import scores

        self._require_fitted()
        speech_set, which = self._evaluation_split(data, labels, rate)
        clips = speech_set.clips if not isinstance(speech_set.clips[0], str) else self._clips(speech_set.clips)
        answers = self.predict(clips, top_k=1, beam=beam, batch_size=batch_size)
        return scores(speech_set.targets, [answer["transcript"] for answer in answers], self.state, which)

    def _evaluation_split(self, data, labels, rate):
        from deeptoolkit.data.speech_source import load_speech_source

        if data is not None:
            source = load_speech_source(data, labels, rate=rate or self.state["sample_rate"])
            return (source.test, "test") if source.test is not None else (source.train, "given")
        spec = self._training_spec()
        source = load_speech_source(spec, sequences=self.state["mode"] == "sequences")
        if source.test is not None:
            return source.test, "test"
        return source.train.take(self._held_out_indices(self._strata(source.train))), "validation"

    def held_out_summary(self, metrics):
        if "accuracy" in metrics:
            return f"held-out {metrics['split']} accuracy: {metrics['accuracy']:.4f} ({metrics['examples']} clips)"
        return f"held-out {metrics['split']} WER {metrics['wer']:.4f}, CER {metrics['cer']:.4f} ({metrics['examples']} clips)"

    def draw_evaluation(self, metrics, folder):
        import os
        from deeptoolkit import plots

        if "confusion_matrix" not in metrics:
            return []
        return [plots.confusion_matrix(metrics["confusion_matrix"], metrics["class_names"], os.path.join(folder, "confusion_matrix.png"))]
