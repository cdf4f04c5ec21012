"""CharRNN benchmarks (issue 4): validation loss against time, overhead against plain Keras, generation speed.

    python benchmarks/char_rnn.py curve    --data ../shared/data/tinyshakespeare/input.txt [--minutes 20] [--every 120]
    python benchmarks/char_rnn.py overhead --data ../shared/data/tinyshakespeare/input.txt [--rounds 3] [--characters 300000]
    python benchmarks/char_rnn.py generate --model runs/char-rnn/model.dtk [--length 2000]

`curve` trains CharRNN with its default settings on the first 90% of the text and scores the
last 10% every --every seconds of wall time (and at each epoch end), stopping at --minutes.
`overhead` trains the toolkit and a plain-Keras LSTM of the same size, precision and batches,
interleaved, and compares characters per second. `generate` times a sample of --length characters.
"""

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from timing import EpochTimer, clocked, interleaved  # noqa: E402

import deeptoolkit  # noqa: E402
from deeptoolkit import CharRNN, runtime  # noqa: E402
from deeptoolkit.data.char_windows import evaluation_windows  # noqa: E402
from deeptoolkit.data.text import read_text_file  # noqa: E402


# ---------------------------------------------------------------------------- loss against time
class ValidationClock(keras.callbacks.Callback):
    """Scores the held-out text every `every` seconds and at each epoch end; stops at `limit` seconds."""

    def __init__(self, windows, every, limit):
        super().__init__()
        self.windows, self.every, self.limit = windows, every, limit
        self.points = []

    def on_train_begin(self, logs=None):
        self.start_wall, self.start_cpu = time.perf_counter(), time.process_time()
        self.next_check = self.every
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

        @tf.function
        def score(x, y):
            return loss(y, self.model(x, training=False)) * tf.cast(tf.size(y), tf.float32), tf.cast(tf.size(y), tf.float32)

        self.score = score

    def _record(self, why):
        wall, cpu = time.perf_counter() - self.start_wall, time.process_time() - self.start_cpu
        total = count = 0.0
        for x, y in self.windows:
            s, n = self.score(x, y)
            total, count = total + float(s), count + float(n)
        self.points.append({"wall_s": round(wall), "cpu_s": round(cpu), "val_loss": round(total / count, 4), "at": why})
        print(json.dumps(self.points[-1]), flush=True)
        # Time spent scoring is not training time: move the clock past it.
        spent = time.perf_counter() - self.start_wall - wall
        self.start_wall += spent
        self.start_cpu += time.process_time() - self.start_cpu - cpu

    def on_train_batch_end(self, batch, logs=None):
        elapsed = time.perf_counter() - self.start_wall
        if elapsed >= self.next_check:
            self.next_check += self.every
            self._record("clock")
        if elapsed >= self.limit:
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        self._record(f"epoch {epoch + 1}")


def curve(args):
    text = read_text_file(args.data)
    overrides = {key: json.loads(value) for key, value in (item.split("=", 1) for item in args.set)}
    writer = CharRNN(**{"seed": args.seed, "patience": 0, "sample_length": 0, **overrides})
    _, held = writer._split(text)
    clock = ValidationClock(None, args.every, args.minutes * 60)

    class Windows(keras.callbacks.Callback):  # the vocabulary exists once fit has read the text
        def on_train_begin(self, logs=None):
            clock.windows = evaluation_windows(writer.vocabulary.encode(held), writer.config["sequence_length"], 256)

    writer.fit(args.data, callbacks=[Windows(), clock], verbose=0)
    final = writer.evaluate()
    print(json.dumps({"config": writer.config, "precision": writer.state["precision"], "points": clock.points,
                      "final": final, "sample": writer.generate("ROMEO:", 300, temperature=0.8, seed=1)}, indent=1))
    if args.save:
        writer.save(args.save)


# ---------------------------------------------------------------------------- overhead
def plain_keras_lstm(vocab_size, embedding_dim, units, layers, dropout):
    """What a practitioner writes by hand: the same stacked LSTM as a Sequential model."""
    model = keras.Sequential([keras.Input((None,), dtype="int32"), keras.layers.Embedding(vocab_size, embedding_dim)])
    for _ in range(layers):
        model.add(keras.layers.LSTM(units, return_sequences=True))
        model.add(keras.layers.Dropout(dropout))
    model.add(keras.layers.Dense(vocab_size, dtype="float32"))
    return model


def run_plain(text, config, precision):
    """The TensorFlow text-generation tutorial's pipeline and a plain model.fit."""
    chars = sorted(set(text))
    index = {c: i + 1 for i, c in enumerate(chars)}
    ids = np.array([index[c] for c in text], "int32")
    length, batch = config["sequence_length"], config["batch_size"]
    windows = (tf.data.Dataset.from_tensor_slices(ids).batch(length + 1, drop_remainder=True)
               .map(lambda w: (w[:-1], w[1:])).shuffle(10_000, seed=0).batch(batch).prefetch(tf.data.AUTOTUNE))
    keras.utils.set_random_seed(0)
    with runtime.precision_scope(precision):
        model = plain_keras_lstm(len(chars) + 1, config["embedding_dim"], config["units"], config["layers"], config["dropout"])
    model.compile(keras.optimizers.Adam(config["learning_rate"], global_clipnorm=config["clipnorm"]),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    timer = EpochTimer()
    history = model.fit(windows, epochs=2, callbacks=[timer], verbose=0)
    return timer, history.history["loss"][-1]


def run_toolkit(text, config, precision):
    writer = CharRNN(seed=0, epochs=2, validation_split=0, patience=0, sample_length=0, precision=precision)
    timer = EpochTimer()
    writer.fit(text, callbacks=[timer], verbose=0)
    return timer, writer.history["loss"][-1]


def overhead(args):
    text = read_text_file(args.data)[: args.characters]
    config = CharRNN().config
    precision = runtime.resolve_precision(args.precision, bfloat16_on_cpu=CharRNN.bfloat16_on_cpu)

    def contender(run):
        def go():
            (timer, loss), wall, cpu = clocked(lambda: run(text, config, precision))
            keras.backend.clear_session()
            epoch_wall, epoch_cpu = timer.steady()
            return {"chars_per_s": round(len(text) / epoch_wall), "epoch_wall_s": round(epoch_wall, 2),
                    "epoch_cpu_s": round(epoch_cpu, 2), "run_wall_s": round(wall, 2), "run_cpu_s": round(cpu, 2), "loss": round(loss, 4)}
        return go

    results = interleaved({"toolkit": contender(run_toolkit), "plain_keras": contender(run_plain)}, args.rounds)
    medians = {name: {key: statistics.median(r[key] for r in runs) for key in runs[0]} for name, runs in results.items()}
    medians["toolkit / plain_keras (time)"] = {
        key: round(medians["toolkit"][key] / medians["plain_keras"][key], 3) for key in ("epoch_wall_s", "epoch_cpu_s", "run_wall_s", "run_cpu_s")
    }
    print(json.dumps({"characters": len(text), "precision": precision, **medians}, indent=1))


# ---------------------------------------------------------------------------- generation
def generate(args):
    writer = deeptoolkit.load(args.model)
    writer.generate("\n", 20, seed=0)  # compiles the sampling loop once
    rates = []
    for seed in range(args.rounds):
        _, wall, cpu = clocked(lambda seed=seed: writer.generate("\n", args.length, temperature=0.8, seed=seed))
        rates.append({"chars_per_s": round(args.length / wall), "wall_s": round(wall, 2), "cpu_s": round(cpu, 2)})
        print(json.dumps(rates[-1]), flush=True)
    print(json.dumps({"length": args.length, "median_chars_per_s": statistics.median(r["chars_per_s"] for r in rates),
                      "loop_traces": writer._writer().traces}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="which", required=True)
    command = sub.add_parser("curve")
    command.add_argument("--data", required=True)
    command.add_argument("--minutes", type=float, default=20)
    command.add_argument("--every", type=float, default=120, help="Seconds of training between scores.")
    command.add_argument("--seed", type=int, default=0)
    command.add_argument("--save", default=None, help="Save the trained model here (for `generate`).")
    command.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE", help="Override a default (JSON value), to explore.")
    command = sub.add_parser("overhead")
    command.add_argument("--data", required=True)
    command.add_argument("--rounds", type=int, default=3)
    command.add_argument("--characters", type=int, default=300_000)
    command.add_argument("--precision", default="auto")
    command = sub.add_parser("generate")
    command.add_argument("--model", required=True)
    command.add_argument("--length", type=int, default=2000)
    command.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    {"curve": curve, "overhead": overhead, "generate": generate}[args.which](args)


if __name__ == "__main__":
    main()
