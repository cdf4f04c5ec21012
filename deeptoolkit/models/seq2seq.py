"""Encoder-decoder RNN for translation (Sutskever et al. 2014; Bahdanau et al. 2015; Luong et al. 2015).

A bidirectional GRU reads the source; its final states, joined by a dense "bridge", start a GRU
decoder trained with teacher forcing. With attention, each decoder output attends over the
encoder's outputs (additive scores as in Bahdanau, or dot-product scores as in Luong) and the
context joins the output before the softmax (Luong's attentional layer). Without attention
(attention=None) the bridge state is all the decoder knows of the source: Sutskever's model,
kept for comparison.

Three Keras models share one set of layers:
- `seq2seq`: (source, target_in) -> logits, what fit trains;
- `seq2seq_encoder`: source -> (decoder state, memory), run once per sentence;
- `seq2seq_stepper`: (target tokens, state, memory, source) -> (logits, state, memory, source):
  decoding from a carried state; memory and source ride along unchanged, so a sampler's cache
  (and a beam search's reordering of it) holds all a step needs. `seq2seq_attention` gives the
  attention weights of the same step.
"""

import keras
from keras import layers, ops

from deeptoolkit.models.named_layers import NamedLayers

ATTENTION = ("additive", "dot", None)


class Seq2SeqLayers(NamedLayers):
    """The layers, by name; `new` creates them, `of(model)` finds them in a built model."""

    NAMES = ("source_embedding", "encoder", "bridge", "memory", "target_embedding", "decoder", "dropout",
             "attention", "attention_norm", "attentional", "logits")

    @classmethod
    def new(cls, source_vocab, target_vocab, embedding_dim, units, attention, dropout, source_dim=None, target_dim=None):
        scorer = {"additive": layers.AdditiveAttention, "dot": layers.Attention}.get(attention)
        return cls(
            source_embedding=layers.Embedding(source_vocab, source_dim or embedding_dim, name="source_embedding"),
            encoder=layers.Bidirectional(layers.GRU(units, return_sequences=True, return_state=True), name="encoder"),
            bridge=layers.Dense(units, activation="tanh", name="bridge"),
            memory=layers.Dense(units, use_bias=False, name="memory") if scorer else None,
            target_embedding=layers.Embedding(target_vocab, target_dim or embedding_dim, name="target_embedding"),
            decoder=layers.GRU(units, return_sequences=True, return_state=True, name="decoder"),
            dropout=layers.Dropout(dropout, name="dropout"),
            attention=scorer(name="attention") if scorer else None,
            # Normalised before the tanh: the context's scale grows in training, and a saturated
            # tanh made the decoder output the same distribution at every position (seen on fra-eng).
            attention_norm=layers.LayerNormalization(name="attention_norm") if scorer else None,
            attentional=layers.Dense(units, activation="tanh", name="attentional") if scorer else None,
            logits=layers.Dense(target_vocab, dtype="float32", name="logits"),
        )

    def encode(self, source):
        present = ops.not_equal(source, 0)
        outputs, forward, backward = self.encoder(self.source_embedding(source), mask=present)
        state = self.bridge(ops.concatenate([forward, backward], axis=-1))
        # Without attention nothing reads the memory (and a built model has no memory layer).
        return state, self.memory(outputs) if self.memory is not None else outputs

    def step(self, target, state, memory, source):
        """(logits, new state, attention weights or None) for target tokens (B, T) from `state`."""
        outputs, new_state = self.decoder(self.target_embedding(target), initial_state=state)
        weights = None
        if self.attention is not None:
            present = ops.not_equal(source, 0)
            context, weights = self.attention([outputs, memory], mask=[None, present], return_attention_scores=True)
            joined = ops.concatenate([outputs, ops.cast(context, outputs.dtype)], axis=-1)
            outputs = self.attentional(self.attention_norm(joined))
        return self.logits(self.dropout(outputs)), new_state, weights


def seq2seq(source_vocab, target_vocab, embedding_dim=128, units=256, attention="additive", dropout=0.1, source_dim=None,
            target_dim=None):
    """source_dim, target_dim: one side's embedding width, when not embedding_dim (pretrained vectors)."""
    if attention not in ATTENTION:
        raise ValueError(f"attention must be one of {ATTENTION}. Received: attention={attention!r}")
    parts = Seq2SeqLayers.new(source_vocab, target_vocab, embedding_dim, units, attention, dropout, source_dim, target_dim)
    source = keras.Input((None,), dtype="int32", name="source")
    target_in = keras.Input((None,), dtype="int32", name="target_in")
    state, memory = parts.encode(source)
    logits, _, _ = parts.step(target_in, state, memory, source)
    return keras.Model([source, target_in], logits, name="seq2seq")


def seq2seq_encoder(model):
    source = keras.Input((None,), dtype="int32", name="source")
    return keras.Model(source, list(Seq2SeqLayers.of(model).encode(source)), name="seq2seq_encoder")


def _step_inputs(parts):
    units = parts.decoder.units
    memory_size = units if parts.memory is not None else 2 * units
    return (keras.Input((None,), dtype="int32", name="target"), keras.Input((units,), name="state"),
            keras.Input((None, memory_size), name="memory"), keras.Input((None,), dtype="int32", name="source"))


def seq2seq_stepper(model):
    parts = Seq2SeqLayers.of(model)
    target, state, memory, source = _step_inputs(parts)
    logits, new_state, _ = parts.step(target, state, memory, source)
    return keras.Model([target, state, memory, source], [logits, new_state, memory, source], name="seq2seq_stepper")


def seq2seq_attention(model):
    """(target tokens, state, memory, source) -> attention weights (B, T, S), or None without attention."""
    parts = Seq2SeqLayers.of(model)
    if parts.attention is None:
        return None
    target, state, memory, source = _step_inputs(parts)
    _, _, weights = parts.step(target, state, memory, source)
    return keras.Model([target, state, memory, source], weights, name="seq2seq_attention")
