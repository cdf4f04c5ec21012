"""Image captioning with a convnet encoder and an attending LSTM decoder (Xu et al. 2015).

The encoder (the ImageClassifier's ResNet body, without its pooling, or a frozen
keras.applications convnet with weights from a local file) turns an image into a grid of
L = h x w feature vectors, projected to the decoder's size: the "annotation vectors".
Their mean, through a dense tanh layer each, starts the LSTM's hidden and cell states. At
every word the decoder's output attends over the grid (additive scores, as in the paper)
and the attended context joins the output before the softmax.

One difference from the paper, on purpose: the context joins the LSTM's output (Luong et
al.'s attentional layer) rather than feeding its next input. Training then runs the LSTM as
one fused layer over the whole caption and scores all positions' attention in one batched
op, instead of a Python-level cell per word; the decoder still attends to a different place
for each word it writes. With attention=None the decoder sees the grid's mean instead, joined
to its output at every word the way the attended context is (uniform attention: the "Show and
Tell" baseline, differing from the attentional model only in where it looks). Read through
the initial state alone, as in Show and Tell, the image was ignored: one caption for every
scene (benchmarks/README.md, "Captioner"). Models saved before this join keep their graph.

Each image comes with C captions: the encoder runs once per image and the decoder on all
C captions of it, so images with five captions cost one encoder pass, not five.

Three models share one set of layers, like the Translator's:
- `captioner`: (image, captions_in (B, C, T)) -> logits (B, C, T, V), what fit trains;
- `captioner_encoder`: image -> (h, c, features), once per image;
- `captioner_stepper`: (tokens, h, c, features) -> (logits, h, c, features) for keras-hub's
  samplers; `captioner_attention` gives each step's attention over the grid.
"""

import keras
from keras import layers, ops

from deeptoolkit.models.image_input import image_input
from deeptoolkit.models.named_layers import NamedLayers
from deeptoolkit.models.pretrained_backbone import pretrained_grid
from deeptoolkit.models.resnet import resnet_grid

ATTENTION = ("additive", None)


@keras.saving.register_keras_serializable(package="deeptoolkit")
class AttentionCoverage(layers.Layer):
    """The paper's doubly stochastic regulariser: strength * sum_i (1 - sum_t alpha_ti)^2.

    Pushes each grid cell to receive, over a caption, about one word's worth of attention,
    so that the decoder looks at every part of the image. Padding steps are not counted.
    Passes the logits through unchanged: a functional model keeps only layers on the path to
    its outputs, so the regulariser sits on that path.
    """

    def __init__(self, strength, **kwargs):
        super().__init__(**kwargs)
        self.strength = float(strength)

    def call(self, logits, weights, steps):
        present = ops.cast(ops.expand_dims(ops.not_equal(steps, 0), -1), weights.dtype)  # (N, T, 1)
        totals = ops.sum(weights * present, axis=1)  # (N, L)
        captions = ops.cast(ops.any(ops.not_equal(steps, 0), axis=-1), weights.dtype)  # (N,) real captions
        penalty = ops.sum(ops.square(1.0 - totals), axis=-1) * captions
        self.add_loss(self.strength * ops.sum(penalty) / ops.maximum(ops.sum(captions), 1.0))
        return logits

    def get_config(self):
        return {**super().get_config(), "strength": self.strength}


class CaptionerLayers(NamedLayers):
    """The layers, by name; `new` creates them, `of(model)` finds them in a built model."""

    NAMES = ("features", "init_h", "init_c", "embedding", "decoder", "query", "key", "attention", "attention_norm",
             "attentional", "dropout", "logits")

    @classmethod
    def new(cls, vocab_size, embedding_dim, units, attention, attention_dim, dropout):
        attending = attention is not None
        return cls(
            features=layers.Dense(units, activation="relu", name="features"),
            init_h=layers.Dense(units, activation="tanh", name="init_h"),
            init_c=layers.Dense(units, activation="tanh", name="init_c"),
            embedding=layers.Embedding(vocab_size, embedding_dim, name="embedding"),
            decoder=layers.LSTM(units, return_sequences=True, return_state=True, name="decoder"),
            # Scores are computed in a smaller space: additive attention costs N x T x L x dim.
            query=layers.Dense(attention_dim, use_bias=False, name="query") if attending else None,
            key=layers.Dense(attention_dim, use_bias=False, name="key") if attending else None,
            # float32 under mixed precision too: a bfloat16 softmax's weights do not sum to one
            # within 1e-4 (the maps test failed), and `caption` returns them as distributions.
            attention=layers.AdditiveAttention(dtype="float32", name="attention") if attending else None,
            attention_norm=layers.LayerNormalization(name="attention_norm"),
            attentional=layers.Dense(units, activation="tanh", name="attentional"),
            dropout=layers.Dropout(dropout, name="dropout"),
            logits=layers.Dense(vocab_size, dtype="float32", name="logits"),
        )

    def start(self, grid):
        """(h, c, features (B, L, units)) from the encoder's grid (B, h, w, channels)."""
        features = self.features(ops.reshape(grid, (-1, grid.shape[1] * grid.shape[2], grid.shape[3])))
        mean = ops.mean(features, axis=1)
        return self.init_h(mean), self.init_c(mean), features

    def step(self, tokens, h, c, features):
        """(logits, h, c, attention weights (N, T, L) or None) for tokens (N, T) from state (h, c)."""
        outputs, h, c = self.decoder(self.embedding(tokens), initial_state=[h, c])
        context = weights = None
        if self.attention is not None:
            context, weights = self.attention([self.query(outputs), features, self.key(features)],
                                              return_attention_scores=True)
        elif self.attention_norm is not None:  # absent from Show and Tell models saved before the join
            context = ops.expand_dims(ops.mean(features, axis=1), 1) * ops.ones_like(outputs[..., :1])
        if context is not None:
            outputs = self.attention_norm(ops.concatenate([outputs, ops.cast(context, outputs.dtype)], axis=-1))
        return self.logits(self.dropout(self.attentional(outputs))), h, c, weights


def encoder_grid(image_size, depth, width, stem_pool, backbone="resnet", backbone_weights=None, augment=False, pretrained=True):
    """(image input, feature grid) of the encoder on raw 0-255 RGB pixels of any size.

    backbone "resnet": the ImageClassifier's ResNet, trained with the rest; otherwise a
    pretrained encoder (`pretrained_backbone`), frozen until fine-tuning opens it.
    augment: random shifts, rotations, zooms and mirroring while training.
    """
    inputs, x = image_input(3, image_size, 255.0, augment=augment, flip=True)
    if backbone == "resnet":
        grid = resnet_grid(x, depth, width, stem_pool=stem_pool)
    else:
        grid = pretrained_grid(x, backbone, pretrained, backbone_weights)
    # Named, so that the encoder and the attention maps can find the grid in a loaded model.
    return inputs, layers.Identity(name="grid")(grid)


def captioner(vocab_size, captions_per_image, max_steps, image_size=(64, 64), depth=8, width=32, stem_pool=2,
              embedding_dim=128, units=256, attention="additive", attention_dim=64, dropout=0.2, coverage=0.0,
              backbone="resnet", backbone_weights=None, augment=False, pretrained=True):
    if attention not in ATTENTION:
        raise ValueError(f"attention must be one of {ATTENTION}. Received: attention={attention!r}")
    parts = CaptionerLayers.new(vocab_size, embedding_dim, units, attention, attention_dim, dropout)
    image, grid = encoder_grid(image_size, depth, width, stem_pool, backbone, backbone_weights, augment, pretrained)
    captions_in = keras.Input((captions_per_image, max_steps), dtype="int32", name="captions_in")
    h, c, features = parts.start(grid)
    # Each image's state and grid serve all its C captions.
    tokens = ops.reshape(captions_in, (-1, max_steps))
    h, c = (ops.repeat(x, captions_per_image, axis=0) for x in (h, c))
    features = ops.repeat(features, captions_per_image, axis=0)
    logits, _, _, weights = parts.step(tokens, h, c, features)
    if coverage and weights is not None:
        # A loss term, so float32 under mixed precision (add_loss sums the terms in float32).
        logits = AttentionCoverage(coverage, dtype="float32", name="coverage")(logits, weights, tokens)
    logits = ops.reshape(logits, (-1, captions_per_image, max_steps, vocab_size))
    return keras.Model({"image": image, "captions_in": captions_in}, logits, name="captioner")


def captioner_encoder(model):
    parts = CaptionerLayers.of(model)
    image = model.get_layer("image").output
    return keras.Model(image, list(parts.start(_encoder_output(model))), name="captioner_encoder")


def _encoder_output(model):
    return model.get_layer("grid").output


def _step_inputs(parts, locations):
    units = parts.decoder.units
    return (keras.Input((None,), dtype="int32", name="tokens"), keras.Input((units,), name="h"),
            keras.Input((units,), name="c"), keras.Input((locations, units), name="features"))


def captioner_stepper(model):
    parts = CaptionerLayers.of(model)
    tokens, h, c, features = _step_inputs(parts, _locations(model))
    logits, new_h, new_c, _ = parts.step(tokens, h, c, features)
    return keras.Model([tokens, h, c, features], [logits, new_h, new_c, features], name="captioner_stepper")


def captioner_attention(model):
    """(tokens, h, c, features) -> attention weights (B, T, L), or None without attention."""
    parts = CaptionerLayers.of(model)
    if parts.attention is None:
        return None
    tokens, h, c, features = _step_inputs(parts, _locations(model))
    _, _, _, weights = parts.step(tokens, h, c, features)
    return keras.Model([tokens, h, c, features], weights, name="captioner_attention")


def _locations(model):
    grid = _encoder_output(model)
    return int(grid.shape[1]) * int(grid.shape[2])


def grid_shape(model):
    """(h, w) of the attention grid."""
    grid = _encoder_output(model)
    return int(grid.shape[1]), int(grid.shape[2])
