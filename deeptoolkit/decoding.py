"""Writing sequences one token at a time with keras-hub's samplers over a recurrent step model.

A step model maps (tokens (B, T), *cache) to (logits (B, T, V), *new cache): the cache is the
recurrent state, plus anything constant a step reads (a translator's encoder memory), passed
through unchanged. The decoder reads a prompt once to get its state (or is handed one), then
lets a keras-hub sampler (random with temperature, top-k, top-p, greedy, beam search) run its
while-loop, feeding one token per step and carrying the cache, so each new token costs the
same however long the text already is. With an end token, a finished row writes only padding
(at no cost to its beam score) until every row is done.

The loop is compiled once per kind of sampler (a tf.function with a fixed signature): the
temperature and the seed are variables assigned before each call, not constants baked into
the graph, so calling `sample` again with other values does not retrace.

`SequenceWriter` puts an encoder in front of a StepDecoder: the sentences of the Translator and
the captions of the Captioner are both written by it.
"""

import logging
import secrets

import keras
import keras_hub
import numpy as np
import tensorflow as tf
from keras import ops

from deeptoolkit.checks import check_positive_int, check_sampling
from deeptoolkit.errors import DeeptoolkitError


class _OwnLoopsRetrace(logging.Filter):
    # Each kind of sampler has its own compiled loop; TensorFlow counts their first traces
    # together and warns of "retracing", which here is expected and not a user's concern.
    def filter(self, record):
        return "StepDecoder._compile.<locals>.loop" not in record.getMessage()


logging.getLogger("tensorflow").addFilter(_OwnLoopsRetrace())


class StepDecoder:
    """Samples continuations from a recurrent step model (see the module docstring)."""

    def __init__(self, stepper, never=(), end=None):
        """never: token ids never written (padding, unknown, start); end: the end token, if any."""
        self.stepper = stepper
        self.never = sorted(never)
        self.end = end
        self.cache_specs = [tf.TensorSpec((None, *spec.shape[1:]), spec.dtype) for spec in stepper.inputs[1:]]
        self.vocab_size = int(stepper.outputs[0].shape[-1])
        self.traces = 0  # how many times a sampling loop was traced (a test keeps this at one per kind)
        self.read_traces = 0  # how many times `read` was traced (once, whatever the batch and length)
        self._loops = {}
        self._read = None

    def initial_states(self, batch):
        return [np.zeros((batch, *spec.shape[1:]), spec.dtype.as_numpy_dtype) for spec in self.cache_specs]

    def read(self, tokens, states=None):
        """(logits of the last position, states) after reading `tokens` (B, T) from `states`."""
        tokens = np.asarray(tokens, "int32")
        states = self.initial_states(len(tokens)) if states is None else states
        if self._read is None:
            # Compiled once with open batch and length: an eager call of a recurrent model pays
            # Python's overhead at every time step.
            signature = [tf.TensorSpec((None, None), tf.int32), *self.cache_specs]

            @tf.function(input_signature=signature, autograph=False)
            def read(tokens, *states):
                self.read_traces += 1
                logits, *states = self.stepper([tokens, *states], training=False)
                return logits[:, -1], states

            self._read = read
        logits, states = self._read(tf.constant(tokens), *[tf.constant(np.asarray(s), spec.dtype) for s, spec in zip(states, self.cache_specs)])
        return np.asarray(ops.cast(logits, "float32")), [np.asarray(ops.cast(s, "float32")) for s in states]

    def sample(self, prompt, length, temperature=1.0, top_k=None, top_p=None, seed=None, beams=None, states=None):
        """`length` new tokens after each row of `prompt` (B, P >= 1); returns (B, length) ids.

        beams: beam search of that width instead of sampling. states: the cache after reading
        all of `prompt` but its last token (default: read here from zeros).
        """
        check_sampling(temperature, top_k, top_p)
        if beams is not None:
            check_positive_int("beam", beams)
        prompt = np.asarray(prompt, "int32")
        if prompt.ndim != 2 or prompt.shape[1] < 1:
            raise DeeptoolkitError(f"Expected a prompt of at least one token per row. Received: prompt of shape {prompt.shape}")
        batch, given = prompt.shape
        if states is None:
            # The loop reads the token before each position it fills, so the state must have
            # read everything but the prompt's last token.
            _, states = self.read(prompt[:, :-1]) if given > 1 else (None, self.initial_states(batch))
        buffer = np.zeros((batch, given + length), "int32")
        buffer[:, :given] = prompt
        sampler, loop, temperature_var = self._loop(temperature, top_k, top_p, beams)
        temperature_var.assign(float(temperature) or 1.0)
        for generator in sampler._seed_generators:
            generator.state.assign(ops.cast([secrets.randbits(31) if seed is None else int(seed), 0], generator.state.dtype))
        cache = [tf.constant(np.asarray(s), spec.dtype) for s, spec in zip(states, self.cache_specs)]
        filled = loop(tf.constant(buffer), cache, tf.constant(given, tf.int32))
        return np.asarray(filled)[:, given:]

    def _loop(self, temperature, top_k, top_p, beams=None):
        top_k = None if top_k is None else min(top_k, self.vocab_size)
        if beams and beams > 1:
            key = ("beam", beams)
        elif temperature == 0 or beams == 1:
            key = ("greedy",)
        elif top_p is not None:
            key = ("top_p", top_k, top_p)
        elif top_k:
            key = ("top_k", top_k)
        else:
            key = ("random",)
        if key not in self._loops:
            self._loops[key] = self._compile(key)
        return self._loops[key]

    def _compile(self, key):
        kind = key[0]
        if kind == "greedy":
            sampler = keras_hub.samplers.GreedySampler()
        elif kind == "beam":
            sampler = keras_hub.samplers.BeamSampler(num_beams=key[1])
        elif kind == "top_p":
            sampler = keras_hub.samplers.TopPSampler(p=key[2], k=key[1], seed=0)
        elif kind == "top_k":
            sampler = keras_hub.samplers.TopKSampler(k=key[1], seed=0)
        else:
            sampler = keras_hub.samplers.RandomSampler(seed=0)
        temperature = keras.Variable(1.0, trainable=False, name="temperature")
        sampler.temperature = temperature  # read inside compute_probabilities at run time
        stepper, specs, end = self.stepper, self.cache_specs, self.end
        allowed = np.ones(self.vocab_size, "float32")
        allowed[self.never] = 0.0
        padding_only = np.full(self.vocab_size, -1e9, "float32")
        padding_only[0] = 0.0

        def next_token_logits(prompt, cache, index):
            previous = prompt[:, index - 1 : index]
            logits, *cache = stepper([previous, *cache], training=False)
            logits = ops.where(allowed > 0, logits[:, -1, :], -1e9)
            if end is not None:
                finished = ops.logical_or(ops.equal(previous, end), ops.equal(previous, 0))
                logits = ops.where(finished, padding_only, logits)
            return logits, None, tuple(ops.cast(c, spec.dtype) for c, spec in zip(cache, specs))

        signature = [tf.TensorSpec((None, None), tf.int32), list(specs), tf.TensorSpec((), tf.int32)]

        # No AutoGraph: the sampler's loop is ops.while_loop already, written for every backend,
        # and converting its source took most of a first translation (1.2 of 1.6 s).
        @tf.function(input_signature=signature, autograph=False)
        def loop(prompt, cache, index):
            self.traces += 1
            return sampler(next_token_logits, prompt, cache=tuple(cache), index=index,
                           stop_token_ids=None if end is None else [end])

        return sampler, loop, temperature


class SequenceWriter:
    """Writes a word sequence for each input of an encoder-decoder: the Translator's sentences and
    the Captioner's captions. Inputs are encoded a batch at a time, then decoded from <start>,
    greedily or by beam search, until <end> or `max_length` words.
    """

    def __init__(self, encode, stepper, vocabulary):
        """encode: a batch of inputs -> the decoder's initial cache (a list of arrays);
        stepper: the step model (see StepDecoder); vocabulary: a WordVocabulary."""
        self.encode = encode
        self.vocabulary = vocabulary
        never = [vocabulary.pad, vocabulary.unk, vocabulary.start]
        self.decoder = StepDecoder(stepper, never=never, end=vocabulary.end)

    def write(self, inputs, beam=None, max_length=20, batch_size=None):
        """A list of word lists, one per row of `inputs` (an array or a list), encoded and decoded
        `batch_size` rows at a time (default 64)."""
        check_positive_int("max_length", max_length)
        for name, value in (("beam", beam), ("batch_size", batch_size)):
            if value is not None:
                check_positive_int(name, value)
        batch_size = batch_size or 64
        words = []
        for start in range(0, len(inputs), batch_size):
            states = self.encode(inputs[start : start + batch_size])
            prompt = np.full((len(states[0]), 1), self.vocabulary.start, "int32")
            ids = self.decoder.sample(prompt, max_length + 1, beams=beam or 1, states=states)
            # The extra step leaves room for <end>; a sequence never has more than max_length words.
            words.extend(self.vocabulary.decode(row[:max_length]) for row in ids)
        return words
