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
- weight tying, two kinds: adjacent (default): hop k's output embedding is hop k+1's
  input embedding, and the question shares the first input embedding; layer-wise
  (RNN-like): every hop shares one input embedding A and one output embedding C, the
  question has its own B, and a learned linear map H carries the state between hops,
  u <- H u + o (the paper's LW models; what it buys: benchmarks/README.md, "MemNN");
- the answer is read through the last output embedding (W^T = C^K, the paper's adjacent
  tying; C under layer-wise tying): an answer that is a word scores by how much of that word the hops read, which
  is what lets "what is the hallway east of ?" pick the right word of the right sentence
  (benchmarks/README.md, "MemNN", qa4). Answers that are not one story
  word ("yes", "apple,football") get vectors of their own;
- linear start (LS): the attention softmax can be switched off for the first epochs (see
  `LinearStart`), which the paper found to avoid poor local minima.
"""

import keras
from keras import layers, ops

TYINGS = ("adjacent", "layerwise")


@keras.saving.register_keras_serializable(package="deeptoolkit")
class MemoryHops(layers.Layer):
    """Embeds story and question and runs the K attention hops; returns (state u, attention).

    Inputs: story ids (B, N, J) with the most recent sentence first and 0 for padding,
    question ids (B, J). Outputs: answer logits (B, A) and attention (B, K, N), where
    `answer_words` gives each answer's word id (0 for an answer that is not one word).
    Without `answer_words` (models saved before answers were tied), the first output is
    the final state u (B, d), which a dense layer turns into logits.
    """

    def __init__(self, vocab_size, dim=50, hops=3, position=True, time_noise=0.1, answer_words=None, tying="adjacent", **kwargs):
        super().__init__(**kwargs)
        if tying not in TYINGS:
            raise ValueError(f"tying must be one of {', '.join(TYINGS)}. Received: tying={tying!r}")
        self.tying = tying
        self.vocab_size = vocab_size
        self.answer_words = None if answer_words is None else [int(i) for i in answer_words]
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
        # Layer-wise tying: 3 matrices, B (the question), A and C (every hop).
        matrices = self.hops + 1 if self.tying == "adjacent" else 3
        self.embeddings = [
            self.add_weight(shape=(self.vocab_size, self.dim), initializer=init, name=f"embedding_{k}")
            for k in range(matrices)
        ]
        # Temporal encodings belong to the story's embeddings only (layer-wise: not to B).
        self.times = {
            k: self.add_weight(shape=(self.memory_size, self.dim), initializer=init, name=f"time_{k}")
            for k in sorted({index for hop in range(self.hops) for index in self._hop_matrices(hop)})
        }
        if self.tying == "layerwise":
            self.hop_map = self.add_weight(shape=(self.dim, self.dim), initializer=init, name="hop_map")
        if self.answer_words is not None:
            # Answers that are not a story word ("yes", "s,e") have free vectors instead.
            self.answer_free = self.add_weight(shape=(len(self.answer_words), self.dim), initializer=init, name="answer_free")
        # 1 = softmax attention; 0 = linear attention during linear start. Not trained.
        self.softmax_on = self.add_weight(shape=(), initializer="ones", trainable=False, name="softmax_on")

    def _hop_matrices(self, hop):
        """(input, output) embedding indices of hop `hop`."""
        return (hop, hop + 1) if self.tying == "adjacent" else (1, 2)

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
        memories = {}  # layer-wise tying embeds the story once for all hops
        for k in range(self.hops):
            memory_in, memory_out = (self._memory(story, index, time_index, memories) for index in self._hop_matrices(k))
            scores = ops.cast(ops.einsum("bnd,bd->bn", memory_in, u), "float32")
            soft = ops.softmax(ops.where(filled, scores, -1e9), axis=-1)
            linear = ops.where(filled, scores, 0.0)
            on = ops.cast(self.softmax_on, "float32")  # read autocast to bfloat16/float16 under mixed precision
            weights = on * soft + (1.0 - on) * linear
            attention.append(weights)
            read = ops.einsum("bn,bnd->bd", ops.cast(weights, self.compute_dtype), memory_out)
            u = (u if self.tying == "adjacent" else ops.matmul(u, ops.cast(self.hop_map, self.compute_dtype))) + read
        return self._answer_logits(u), ops.stack(attention, axis=1)

    def _memory(self, story, index, time_index, memories):
        if index not in memories:
            times = ops.take(ops.cast(self.times[index], self.compute_dtype), time_index, axis=0)
            memories[index] = self._embed(story, self.embeddings[index]) + times
        return memories[index]

    def _answer_logits(self, u):
        if self.answer_words is None:
            return u
        ids = ops.convert_to_tensor(self.answer_words, "int32")
        is_word = ops.expand_dims(ops.cast(ids > 0, self.compute_dtype), -1)
        answers = ops.take(self.embeddings[-1], ids, axis=0) * is_word + ops.cast(self.answer_free, self.compute_dtype) * (1.0 - is_word)
        return ops.cast(ops.einsum("bd,ad->ba", u, answers), "float32")

    def compute_output_spec(self, inputs, training=False):
        story, _ = inputs
        batch = story.shape[0]
        first = (batch, self.dim) if self.answer_words is None else (batch, len(self.answer_words))
        return (
            keras.KerasTensor(first, dtype=self.compute_dtype if self.answer_words is None else "float32"),
            keras.KerasTensor((batch, self.hops, story.shape[1]), dtype="float32"),
        )

    def get_config(self):
        config = super().get_config()
        config.update(vocab_size=self.vocab_size, dim=self.dim, hops=self.hops, position=self.position, time_noise=self.time_noise,
                      answer_words=self.answer_words, tying=self.tying)
        return config


def memn2n(vocab_size, answer_words, memory_size, sentence_length, dim=50, hops=3, position=True, time_noise=0.1, tying="adjacent",
           name="memn2n"):
    """The memory network as a Keras model: (story, question) -> answer probabilities.

    `answer_words`: for each answer, its id in the word vocabulary, or 0 if it is not one word.
    `tying`: "adjacent" or "layerwise" (see the module's docstring).
    """
    story = keras.Input((memory_size, sentence_length), dtype="int32", name="story")
    question = keras.Input((sentence_length,), dtype="int32", name="question")
    hops_layer = MemoryHops(vocab_size, dim, hops, position, time_noise, answer_words=answer_words, tying=tying, name="memory")
    logits, attention = hops_layer([story, question])
    probabilities = layers.Activation("softmax", dtype="float32", name="answer")(logits)
    return keras.Model([story, question], probabilities, name=name)


def averaged(models, name="memn2n_average"):
    """One model answering with the mean of `models`' answer distributions.

    The networks must read the same inputs and give the same answers (runs of one reader
    from different initialisations); each must have a name of its own.
    """
    story = keras.Input(models[0].inputs[0].shape[1:], dtype="int32", name="story")
    question = keras.Input(models[0].inputs[1].shape[1:], dtype="int32", name="question")
    answers = [model([story, question]) for model in models]
    return keras.Model([story, question], layers.Average(dtype="float32", name="answer")(answers), name=name)


def with_attention(model):
    """A model sharing `model`'s layers that also returns the attention of every hop; for an
    `averaged` model, the mean of its networks' attention."""
    members = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    if not members:
        attention = model.get_layer("memory").output[1]
        return keras.Model(model.inputs, [model.output, attention], name=f"{model.name}_explained")
    outputs = [with_attention(member)(model.inputs) for member in members]
    attention = layers.Average(dtype="float32")([hops for _, hops in outputs])
    return keras.Model(model.inputs, [model.output, attention], name=f"{model.name}_explained")


class LinearStart(keras.callbacks.Callback):
    """Train the first `epochs` epochs with linear attention, then with the softmax.

    The paper's linear start: without the softmax the early gradients reach every memory,
    which avoids the local minima that 2- and 3-fact tasks otherwise fall into. As in the
    paper's code, the switch comes after a fixed number of epochs. Set at the start of every
    epoch, so that a resumed run is in the right mode from its first epoch.
    """

    def __init__(self, epochs):
        super().__init__()
        self.epochs = epochs

    def on_epoch_begin(self, epoch, logs=None):
        self.model.get_layer("memory").softmax_on.assign(0.0 if epoch < self.epochs else 1.0)

    def on_train_end(self, logs=None):
        self.model.get_layer("memory").softmax_on.assign(1.0)
