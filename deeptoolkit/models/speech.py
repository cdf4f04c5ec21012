"""Acoustic models that hear raw audio: the log-mel front end is part of the graph (Keras's own
MelSpectrogram), so a served or exported model takes waveforms. Clips of different lengths come
zero-padded with their lengths; the front end turns the lengths into a frame mask, which pooling,
the recurrent layers and CTC respect.

- `word_model`: one label per clip, a convolutional acoustic model (the review's convnets for
  speech): conv blocks over time x frequency, masked mean and max over time, a softmax.
- `sequence_model`: a transcript per clip: conv blocks that also shorten time 4x, two
  bidirectional GRUs (the review's recurrent nets for speech), per-frame logits for CTC.
"""

import math

import keras
from keras import layers, ops

FRAME_MS, HOP_MS = 25, 10
TOP_DB = 80
# Time steps per output frame of the sequence model (its two 2x2 poolings).
SEQUENCE_STRIDE = 4
WORD_STRIDE = 8


def hop_samples(sample_rate):
    return sample_rate * HOP_MS // 1000


@keras.saving.register_keras_serializable(package="deeptoolkit")
class LogMelFrontEnd(layers.Layer):
    """(audio (B, N), lengths (B,)) -> (log-mel (B, T, mels), frame mask (B, T)): 25 ms frames
    every 10 ms, floored at 80 dB under the clip's peak and normalised to zero mean and unit
    variance over the clip's own frames and bands (which takes out the recording's level and keeps
    the spectrum's shape), padding frames zero. top_db=None: no floor (the first release's front
    end, which models saved then keep)."""

    def __init__(self, sample_rate=16000, n_mels=40, normalize="clip", top_db=TOP_DB, **kwargs):
        kwargs.setdefault("dtype", "float32")  # spectra and logs stay in float32 under mixed precision
        super().__init__(**kwargs)
        self.sample_rate, self.n_mels = int(sample_rate), int(n_mels)
        self.normalize = normalize
        self.top_db = None if top_db is None else float(top_db)
        frame = self.sample_rate * FRAME_MS // 1000
        self.hop = hop_samples(self.sample_rate)
        self.mel = layers.MelSpectrogram(fft_length=1 << (frame - 1).bit_length(), sequence_stride=self.hop, sequence_length=frame,
                                         sampling_rate=self.sample_rate, num_mel_bins=self.n_mels, min_freq=20.0,
                                         max_freq=self.sample_rate / 2, power_to_db=False, dtype="float32")

    def build(self, audio_shape, lengths_shape=None):
        self.mel.build(audio_shape)
        self.built = True

    def call(self, audio, lengths):
        offset = 1e-6 if self.top_db is None else 1e-10  # the first release's offset went with no floor
        features = ops.log(ops.transpose(self.mel(ops.cast(audio, "float32")), (0, 2, 1)) + offset)
        frames = 1 + ops.cast(lengths, "int32") // self.hop
        mask = ops.cast(ops.arange(ops.shape(features)[1])[None, :] < frames[:, None], "float32")
        weights = mask[:, :, None]
        if self.top_db is not None:
            # Nothing quieter than top_db under the clip's loudest: bands a low sample rate leaves
            # empty sit at that floor, as silence does, instead of stretching the scale.
            loudest = ops.max(features * weights - (1.0 - weights) * 1e4, axis=(1, 2), keepdims=True)
            features = ops.maximum(features, loudest - self.top_db * math.log(10) / 10)
        count = ops.maximum(ops.sum(weights, axis=(1, 2), keepdims=True) * self.n_mels, 1.0)
        if self.normalize == "band":  # each band's mean over the clip: the microphone's colouring taken out
            mean = ops.sum(features * weights, axis=1, keepdims=True) / ops.maximum(ops.sum(weights, axis=1, keepdims=True), 1.0)
        else:
            mean = ops.sum(features * weights, axis=(1, 2), keepdims=True) / count
        variance = ops.sum(ops.square(features - mean) * weights, axis=(1, 2), keepdims=True) / count
        return (features - mean) * ops.rsqrt(variance + 1e-3) * weights, mask

    def compute_output_spec(self, audio, lengths):
        frames = None if audio.shape[1] is None else 1 + audio.shape[1] // self.hop
        return (keras.KerasTensor((audio.shape[0], frames, self.n_mels), "float32"),
                keras.KerasTensor((audio.shape[0], frames), "float32"))

    def get_config(self):
        return {**super().get_config(), "sample_rate": self.sample_rate, "n_mels": self.n_mels, "normalize": self.normalize,
                "top_db": self.top_db}

    @classmethod
    def from_config(cls, config):
        if "normalize" not in config:  # saved by the first release, whose front end had no floor
            config = {**config, "top_db": None}
        return cls(**config)


@keras.saving.register_keras_serializable(package="deeptoolkit")
class SpecAugment(layers.Layer):
    """SpecAugment (Park et al. 2019) while training, each clip its own: the mel axis stretched or
    squeezed by a random factor within 1 +- `warp` (vocal tract length perturbation: a longer or
    shorter voice, so that a few speakers stand for more), then `frequency_masks` bands of up to
    `frequency_width` mel bins and `time_masks` spans of up to `time_fraction` of the frames set
    to zero (the normalised mean); nothing at inference."""

    def __init__(self, frequency_masks=2, frequency_width=6, time_masks=2, time_fraction=0.1, warp=0.1, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.frequency_masks, self.frequency_width = frequency_masks, frequency_width
        self.time_masks, self.time_fraction = time_masks, time_fraction
        self.warp = warp
        self.seed = seed
        self.generator = keras.random.SeedGenerator(seed)

    def _uniform(self, batch):
        return keras.random.uniform((batch, 1), 0, 1, seed=self.generator)

    def _spans(self, size, count, widest, batch):
        """A (B, size) float mask with `count` random spans of up to `widest` set to 0."""
        keep = ops.ones((batch, size))
        positions = ops.arange(size, dtype="float32")[None, :]
        size = ops.cast(size, "float32")
        for _ in range(count):
            width = ops.floor(self._uniform(batch) * (widest + 1))
            start = ops.floor(self._uniform(batch) * ops.maximum(size - width, 1.0))
            keep = keep * ops.cast((positions < start) | (positions >= start + width), "float32")
        return keep

    def _warped(self, features, batch, bins):
        """Each clip's mel axis resampled at positions bin / factor (linear interpolation)."""
        factor = 1.0 + self.warp * (2.0 * self._uniform(batch) - 1.0)
        top = ops.cast(bins - 1, "float32")
        source = ops.minimum(ops.arange(bins, dtype="float32")[None, :] / factor, top)
        low = ops.cast(ops.floor(source), "int32")
        high = ops.minimum(low + 1, bins - 1)
        weight = ops.cast((source - ops.floor(source))[:, None, :], features.dtype)
        pick = lambda index: ops.take_along_axis(features, ops.broadcast_to(index[:, None, :], ops.shape(features)), axis=2)  # noqa: E731
        return pick(low) * (1 - weight) + pick(high) * weight

    def call(self, features, training=None):
        if not training:
            return features
        batch, frames, bins = ops.shape(features)[0], ops.shape(features)[1], ops.shape(features)[2]
        if self.warp:
            features = self._warped(features, batch, bins)
        widest_time = ops.floor(ops.cast(frames, "float32") * self.time_fraction)
        keep_bins = self._spans(bins, self.frequency_masks, self.frequency_width, batch)
        keep_frames = self._spans(frames, self.time_masks, widest_time, batch)
        return features * ops.cast(keep_bins[:, None, :] * keep_frames[:, :, None], features.dtype)

    def get_config(self):
        return {**super().get_config(), "frequency_masks": self.frequency_masks, "frequency_width": self.frequency_width,
                "time_masks": self.time_masks, "time_fraction": self.time_fraction, "warp": self.warp, "seed": self.seed}


@keras.saving.register_keras_serializable(package="deeptoolkit")
class MaskedTimePooling(layers.Layer):
    """(features (B, T', C), frame mask (B, T)) -> (B, 2C): the mean and the max of each feature
    over the clip's own frames (the mask taken every `stride` frames, as the poolings took them)."""

    def __init__(self, stride=WORD_STRIDE, **kwargs):
        super().__init__(**kwargs)
        self.stride = stride

    def call(self, features, mask):
        weights = ops.cast(downsampled_mask(mask, self.stride, ops.shape(features)[1]), features.dtype)[:, :, None]
        mean = ops.sum(features * weights, axis=1) / ops.maximum(ops.sum(weights, axis=1), 1.0)
        peak = ops.max(features * weights - (1.0 - weights) * 1e4, axis=1)
        return ops.concatenate([mean, peak], axis=-1)

    def get_config(self):
        return {**super().get_config(), "stride": self.stride}


@keras.saving.register_keras_serializable(package="deeptoolkit")
class BlankPadding(layers.Layer):
    """Per-frame logits with the padding frames made certain blanks (class 0), so that CTC's loss
    and decoders need no lengths: a blank frame adds nothing to a path or to a transcript."""

    def __init__(self, stride=SEQUENCE_STRIDE, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.stride = stride
        self.supports_masking = True  # it takes the recurrent layers' mask and passes none on

    def compute_mask(self, inputs, previous_mask=None):
        return None

    def call(self, logits, mask):
        keep = downsampled_mask(mask, self.stride, ops.shape(logits)[1])[:, :, None] > 0.5
        blank = ops.concatenate([ops.full_like(logits[:, :, :1], 30.0), ops.full_like(logits[:, :, 1:], -30.0)], axis=-1)
        return ops.where(keep, ops.cast(logits, "float32"), blank)

    def get_config(self):
        return {**super().get_config(), "stride": self.stride}


@keras.saving.register_keras_serializable(package="deeptoolkit")
class FrequencyMean(layers.Layer):
    """(B, T, F, C) -> (B, T, C): each frame's features, averaged over frequency."""

    def call(self, x):
        return ops.mean(x, axis=2)


@keras.saving.register_keras_serializable(package="deeptoolkit")
class FrameMask(layers.Layer):
    """The frame mask (B, T) as the booleans (B, T / stride) that recurrent layers take."""

    def __init__(self, stride=SEQUENCE_STRIDE, **kwargs):
        super().__init__(**kwargs)
        self.stride = stride

    def call(self, mask):
        return downsampled_mask(mask, self.stride, None) > 0.5

    def compute_output_spec(self, mask):
        frames = None if mask.shape[1] is None else -(-mask.shape[1] // self.stride)
        return keras.KerasTensor((mask.shape[0], frames), "bool")

    def get_config(self):
        return {**super().get_config(), "stride": self.stride}


def downsampled_mask(mask, stride, frames):
    """The frame mask (B, T) taken every `stride` frames, `frames` long: a pooled frame is audio
    when the first frame it pools is."""
    return mask[:, ::stride][:, :frames]


@keras.saving.register_keras_serializable(package="deeptoolkit")
def ctc_loss(y_true, y_pred):
    """CTC loss of padded label sequences (0 is padding and CTC's blank) under per-frame logits."""
    y_true = ops.cast(y_true, "int32")
    label_length = ops.sum(ops.cast(y_true > 0, "int32"), axis=1)
    frames = ops.full((ops.shape(y_pred)[0],), ops.shape(y_pred)[1], dtype="int32")
    return ops.ctc_loss(y_true, y_pred, label_length, frames, mask_index=0)


def _conv_block(x, filters, pool, name):
    for index in (1, 2):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv{index}")(x)
        # momentum 0.9: the moving statistics settle within the few dozen steps of a small data set.
        x = layers.BatchNormalization(momentum=0.9, name=f"{name}_norm{index}")(x)
        x = layers.Activation("relu", name=f"{name}_relu{index}")(x)
    return layers.MaxPooling2D(pool, padding="same", name=f"{name}_pool")(x)


def _front(sample_rate, n_mels, augment, warp, seed, normalize):
    audio = keras.Input((None,), name="audio")
    lengths = keras.Input((), dtype="int32", name="length")
    features, mask = LogMelFrontEnd(sample_rate, n_mels, normalize, name="log_mel")(audio, lengths)
    if augment:
        features = SpecAugment(warp=warp, seed=seed, name="spec_augment")(features)
    return [audio, lengths], layers.Reshape((-1, n_mels, 1), name="as_image")(features), mask


def word_model(num_classes, sample_rate=16000, n_mels=40, width=2, dropout=0.2, augment=True, warp=0.1, seed=None,
               normalize="clip"):
    """Clips -> class probabilities; its layer "frame_features" (B, T/8, C) is what `frame_evidence` reads."""
    inputs, x, mask = _front(sample_rate, n_mels, augment, warp, seed, normalize)
    for stage, filters in enumerate((16, 32, 64), start=1):
        x = _conv_block(x, filters * width, 2, f"block{stage}")
    frames = FrequencyMean(name="frame_features")(x)
    pooled = MaskedTimePooling(WORD_STRIDE, name="time_pooling")(frames, mask)
    pooled = layers.Dropout(dropout, name="dropout")(pooled)
    outputs = layers.Dense(num_classes, activation="softmax", dtype="float32", name="classes")(pooled)
    return keras.Model(inputs, outputs, name="word_model")


def sequence_model(num_tokens, sample_rate=16000, n_mels=40, width=2, dropout=0.2, augment=True, warp=0.1, units=128,
                   seed=None, normalize="clip"):
    """Clips -> per-frame logits (B, T/4, num_tokens + 1) for CTC, blank = 0."""
    inputs, x, mask = _front(sample_rate, n_mels, augment, warp, seed, normalize)
    x = _conv_block(x, 16 * width, 2, "block1")
    x = _conv_block(x, 32 * width, 2, "block2")
    x = layers.Reshape((-1, -(-n_mels // 4) * 32 * width), name="frames")(x)
    x = layers.Dropout(dropout, name="dropout")(layers.Dense(units * 2, activation="relu", name="projection")(x))
    keep = FrameMask(SEQUENCE_STRIDE, name="frame_mask")(mask)
    for index in (1, 2):
        x = layers.Bidirectional(layers.GRU(units, return_sequences=True), name=f"gru{index}")(x, mask=keep)
    logits = layers.Dense(num_tokens + 1, dtype="float32", name="logits")(x)
    return keras.Model(inputs, BlankPadding(SEQUENCE_STRIDE, name="blank_padding")(logits, mask), name="sequence_model")


def frame_evidence(model, shown=3):
    """A function (audio, lengths) -> (log-mel, frame mask, per-output-frame evidence (B, T', classes))
    for a trained model: a sequence model's softmax per frame (where CTC emits each word); for a
    word model, Grad-CAM over time for its `shown` most likely words (how much each frame's
    features push towards the word, scaled so that the word's peak is its probability)."""
    import tensorflow as tf

    log_mel = model.get_layer("log_mel").output
    if "logits" in {layer.name for layer in model.layers}:
        inner = keras.Model(model.inputs, [log_mel[0], log_mel[1], layers.Softmax(dtype="float32")(model.output)])
        return lambda audio, lengths: inner([audio, lengths], training=False)
    inner = keras.Model(model.inputs, [log_mel[0], log_mel[1], model.get_layer("frame_features").output, model.output])

    def evidence(audio, lengths):
        with tf.GradientTape(persistent=True) as tape:
            features, mask, frames, probabilities = inner([audio, lengths], training=False)
            best = tf.math.top_k(probabilities, k=min(shown, probabilities.shape[-1])).indices
            scores = [tf.gather(probabilities, best[:, k], batch_dims=1) for k in range(best.shape[1])]
        frame_mask = tf.cast(downsampled_mask(mask, WORD_STRIDE, tf.shape(frames)[1]), frames.dtype)[:, :, None]
        maps = []
        for score in scores:
            gradient = tape.gradient(score, frames) * frame_mask
            weights = tf.reduce_sum(gradient, axis=1, keepdims=True) / tf.maximum(tf.reduce_sum(frame_mask, axis=1, keepdims=True), 1.0)
            maps.append(tf.nn.relu(tf.reduce_sum(weights * frames, axis=-1)) * frame_mask[:, :, 0])
        del tape
        evidence = tf.zeros(tf.concat([tf.shape(frames)[:2], tf.shape(probabilities)[-1:]], 0))
        for k, found in enumerate(maps):
            scaled = found / tf.maximum(tf.reduce_max(found, axis=1, keepdims=True), 1e-9) * scores[k][:, None]
            onehot = tf.one_hot(best[:, k], tf.shape(probabilities)[-1])[:, None, :]
            evidence += scaled[:, :, None] * onehot
        return features, mask, evidence

    return evidence
