"""End-to-end memory network (Sukhbaatar, Szlam, Weston, Fergus 2015).

A story of up to N sentences of up to J words is written into memory; the question is
embedded into a state u, and K hops each attend over the memories and add what they read
back into u; the answer is a softmax over the answer vocabulary. The paper's choices:

- position encoding (PE): a sentence is a weighted sum of its word embeddings, the weight
  l_kj = (1 - j/J) - (k/d)(1 - 2j/J) depending on the word's position j in its sentence of J
  words, so "john left the kitchen" is not "the kitchen left john";
- temporal encoding: a learned vector per memory slot (slot 0 = most recent sentence), and
  random noise (RN) in time while training: gaps inserted between memories, so the model
  does not over-fit the exact distances;
- adjacent weight tying: hop k's output embedding is hop k+1's input embedding, and the
  question shares the first input embedding;
- linear start (LS): the attention softmax can be switched off for the first epochs (see
  `LinearStart`), which the paper found to avoid poor local minima.
"""

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="deeptoolkit")
class MemoryHops(layers.Layer):
    """Embeds story and question and runs the K attention hops; returns (state u, attention).

    Inputs: story ids (B, N, J) with the most recent sentence first and 0 for padding,
    question ids (B, J). Outputs: u (B, d) and attention (B, K, N).
    """

    def __init__(self, vocab_size, dim=50, hops=3, position=True, time_noise=0.1, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size = vocab_size
        self.dim = dim
        self.hops = hops
        self.position = position
        self.time_noise = time_noise
        self.seed_generator = keras.random.SeedGenerator(1337)

    def build(self, input_shape):
        story_shape, _ = input_shape
        self.memory_size, self.sentence_length = int(story_shape[1]), int(story_shape[2])
        init = keras.initializers.RandomNormal(stddev=0.1)
        # Adjacent tying: K + 1 matrices serve as A_1 = B, C_k = A_{k+1}, C_K.
        self.embeddings = [
            self.add_weight(shape=(self.vocab_size, self.dim), initializer=init, name=f"embedding_{k}")
            for k in range(self.hops + 1)
        ]
        self.times = [
            self.add_weight(shape=(self.memory_size, self.dim), initializer=init, name=f"time_{k}")
            for k in range(self.hops + 1)
        ]
        # 1 = softmax attention; 0 = linear attention during linear start. Not trained.
        self.softmax_on = self.add_weight(shape=(), initializer="ones", trainable=False, name="softmax_on")

    def _embed(self, ids, matrix):
        # Padding (id 0) contributes nothing, whatever its embedding learns.
        present = ops.cast(ids > 0, self.compute_dtype)
        words = ops.take(matrix, ids, axis=0) * ops.expand_dims(present, -1)
        if not self.position:
            return ops.sum(words, axis=-2)
        # The paper's J is each sentence's own length, so that a question and a fact that
        # end alike ("... north of the kitchen") weigh their shared words alike.
        length = ops.maximum(ops.sum(present, axis=-1, keepdims=True), 1.0)  # (..., 1)
        ratio = ops.expand_dims(ops.arange(1, self.sentence_length + 1, dtype=self.compute_dtype) / length, -1)  # (..., J, 1)
        k = ops.arange(1, self.dim + 1, dtype=self.compute_dtype) / self.dim  # (d,)
        encoding = (1.0 - ratio) - k * (1.0 - 2.0 * ratio)
        return ops.sum(words * encoding, axis=-2)

    def _time_index(self, training):
        index = ops.arange(self.memory_size)
        if training and self.time_noise:
            gaps = keras.random.uniform((self.memory_size,), seed=self.seed_generator) < self.time_noise
            index = ops.minimum(index + ops.cumsum(ops.cast(gaps, "int32")), self.memory_size - 1)
        return index

    def call(self, inputs, training=False):
        story, question = inputs
        story, question = ops.cast(story, "int32"), ops.cast(question, "int32")
        filled = ops.any(story > 0, axis=-1)  # (B, N): slots holding a sentence
        time_index = self._time_index(training)
        u = self._embed(question, self.embeddings[0])
        attention = []
        for k in range(self.hops):
            memory_in = self._embed(story, self.embeddings[k]) + ops.take(ops.cast(self.times[k], self.compute_dtype), time_index, axis=0)
            memory_out = self._embed(story, self.embeddings[k + 1]) + ops.take(ops.cast(self.times[k + 1], self.compute_dtype), time_index, axis=0)
            scores = ops.cast(ops.einsum("bnd,bd->bn", memory_in, u), "float32")
            soft = ops.softmax(ops.where(filled, scores, -1e9), axis=-1)
            linear = ops.where(filled, scores, 0.0)
            weights = self.softmax_on * soft + (1.0 - self.softmax_on) * linear
            attention.append(weights)
            u = u + ops.einsum("bn,bnd->bd", ops.cast(weights, self.compute_dtype), memory_out)
        return u, ops.stack(attention, axis=1)

    def compute_output_spec(self, inputs, training=False):
        story, _ = inputs
        batch = story.shape[0]
        return (
            keras.KerasTensor((batch, self.dim), dtype=self.compute_dtype),
            keras.KerasTensor((batch, self.hops, story.shape[1]), dtype="float32"),
        )

    def get_config(self):
        config = super().get_config()
        config.update(vocab_size=self.vocab_size, dim=self.dim, hops=self.hops, position=self.position, time_noise=self.time_noise)
        return config


def memn2n(vocab_size, num_answers, memory_size, sentence_length, dim=50, hops=3, position=True, time_noise=0.1):
    """The memory network as a Keras model: (story, question) -> answer probabilities."""
    story = keras.Input((memory_size, sentence_length), dtype="int32", name="story")
    question = keras.Input((sentence_length,), dtype="int32", name="question")
    state, attention = MemoryHops(vocab_size, dim, hops, position, time_noise, name="memory")([story, question])
    logits = layers.Dense(num_answers, use_bias=False, name="answer_logits")(state)
    probabilities = layers.Activation("softmax", dtype="float32", name="answer")(logits)
    return keras.Model([story, question], probabilities, name="memn2n")


def with_attention(model):
    """A model sharing `model`'s layers that also returns the attention of every hop."""
    attention = model.get_layer("memory").output[1]
    return keras.Model(model.inputs, [model.output, attention], name=f"{model.name}_explained")


class LinearStart(keras.callbacks.Callback):
    """Train with linear attention until validation loss stalls (or `max_epochs`), then softmax.

    The paper's linear start: without the softmax the early gradients reach every memory,
    which avoids the local minima that 2- and 3-fact tasks otherwise fall into.
    """

    def __init__(self, max_epochs, patience=3, monitor="val_loss"):
        super().__init__()
        self.max_epochs = max_epochs
        self.patience = patience
        self.monitor = monitor
        self.best = float("inf")
        self.wait = 0
        self.switched_at = None

    def on_train_begin(self, logs=None):
        self.model.get_layer("memory").softmax_on.assign(0.0)

    def on_epoch_end(self, epoch, logs=None):
        if self.switched_at is not None:
            return
        value = (logs or {}).get(self.monitor, (logs or {}).get("loss"))
        if value is not None and value < self.best - 1e-4:
            self.best, self.wait = value, 0
        else:
            self.wait += 1
        if self.wait >= self.patience or epoch + 1 >= self.max_epochs:
            self.model.get_layer("memory").softmax_on.assign(1.0)
            self.switched_at = epoch + 1

    def on_train_end(self, logs=None):
        self.model.get_layer("memory").softmax_on.assign(1.0)
