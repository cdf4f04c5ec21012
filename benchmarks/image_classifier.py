"""ImageClassifier benchmarks (issue 2): accuracy, overhead against plain Keras, precision, XLA.

    python benchmarks/image_classifier.py accuracy  [--seeds 0 1 2]
    python benchmarks/image_classifier.py overhead  [--rounds 5] [--epochs 15]
    python benchmarks/image_classifier.py precision [--rounds 3] [--epochs 8]
    python benchmarks/image_classifier.py gpu       [--epochs 5]     (on a GPU machine)

Every number comes from the digits' stratified 80/20 split with seed 0 (or, for `gpu`,
random 32x32x3 images, since only throughput is measured there).
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
from timing import EpochTimer, clocked, interleaved, median_of  # noqa: E402

from deeptoolkit import ImageClassifier  # noqa: E402
from deeptoolkit.data.images import load_digits  # noqa: E402
from deeptoolkit.data.splits import stratified_split  # noqa: E402


# ---------------------------------------------------------------------------- accuracy
def accuracy(args):
    """LeNet-5 with the toolkit's defaults; test accuracy and training time per seed."""
    rows = []
    for seed in args.seeds:
        classifier = ImageClassifier(seed=seed)
        _, wall, cpu = clocked(lambda: classifier.fit("builtin:digits", verbose=0))
        metrics = classifier.evaluate()
        rows.append({"seed": seed, "accuracy": metrics["accuracy"], "epochs": len(classifier.history["loss"]),
                     "train_wall_s": round(wall, 1), "train_cpu_s": round(cpu, 1)})
        print(json.dumps(rows[-1]), flush=True)
    accuracies = [r["accuracy"] for r in rows]
    print(json.dumps({"mean_accuracy": statistics.mean(accuracies), "min_accuracy": min(accuracies),
                      "median_train_wall_s": statistics.median(r["train_wall_s"] for r in rows)}))


# ---------------------------------------------------------------------------- overhead
def reference_lenet5(num_classes=10):
    """The same LeNet-5 written directly in Keras, as a practitioner would without the toolkit."""
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Resizing(32, 32)(inputs)
    x = keras.layers.Rescaling(1 / 16)(x)
    x = keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant")(x)
    x = keras.layers.RandomRotation(10 / 360, fill_mode="constant")(x)
    x = keras.layers.RandomZoom(0.1, fill_mode="constant")(x)
    x = keras.layers.Conv2D(6, 5, activation="relu")(x)
    x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Conv2D(16, 5, activation="relu")(x)
    x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Flatten()(x)
    for units in (120, 84):
        x = keras.layers.Dropout(0.25)(x)
        x = keras.layers.Dense(units, activation="relu")(x)
    x = keras.layers.Dropout(0.25)(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def run_reference(epochs, batch_size=64):
    digits = load_digits()
    kept, held = stratified_split(digits.train.labels, 0.1, 0)
    x, y = digits.train.images, keras.utils.to_categorical(digits.train.labels, 10)
    keras.utils.set_random_seed(0)
    model = reference_lenet5()
    steps = -(-len(kept) // batch_size) * epochs
    warmup = max(1, steps // 20)
    schedule = keras.optimizers.schedules.CosineDecay(0.0, steps - warmup, warmup_target=3e-3, warmup_steps=warmup)
    model.compile(keras.optimizers.AdamW(schedule, weight_decay=1e-3),
                  keras.losses.CategoricalCrossentropy(label_smoothing=0.1), metrics=["accuracy"])
    timer = EpochTimer()
    model.fit(x[kept], y[kept], validation_data=(x[held], y[held]), batch_size=batch_size, epochs=epochs,
              callbacks=[timer], verbose=0)
    return timer


def run_toolkit(epochs, **config):
    classifier = ImageClassifier(seed=0, epochs=epochs, **config)
    timer = EpochTimer()
    classifier.fit("builtin:digits", callbacks=[timer], verbose=0)
    return timer


def timed(run):
    """A contender: one whole training run, reduced to its clocks."""
    def contender():
        timer, wall, cpu = clocked(run)
        epoch_wall, epoch_cpu = timer.steady()
        keras.backend.clear_session()
        return {"run_wall_s": round(wall, 3), "run_cpu_s": round(cpu, 3),
                "epoch_wall_s": round(epoch_wall, 4), "epoch_cpu_s": round(epoch_cpu, 4)}
    return contender


def report(results, baseline):
    summary = {}
    for name, runs in results.items():
        summary[name] = {key: median_of(runs, key) for key in runs[0]}
    for name in results:
        if name == baseline:
            continue
        summary[f"{name} / {baseline}"] = {
            key: round(summary[name][key] / summary[baseline][key], 3) for key in summary[baseline]
        }
    print(json.dumps(summary, indent=1))


def overhead(args):
    """Toolkit vs plain Keras, same LeNet-5, same data, same optimizer: A B A B ..."""
    results = interleaved(
        {"toolkit": timed(lambda: run_toolkit(args.epochs)), "plain_keras": timed(lambda: run_reference(args.epochs))},
        args.rounds,
    )
    report(results, "plain_keras")


# ---------------------------------------------------------------------------- precision / XLA
def precision(args):
    """float32 vs mixed_bfloat16, and XLA on vs off, on this machine's CPU.

    Keras's random augmentation layers cannot be XLA-compiled (Keras then falls back to
    jit_compile=False with a warning), so these runs leave augmentation off to measure XLA
    itself; the default, augmented model trains without XLA.
    """
    def run(precision, jit):
        return timed(lambda: run_toolkit(args.epochs, precision=precision, jit_compile=jit, augment=False))

    contenders = {
        "float32_xla_off": run("float32", False),
        "float32_xla_on": run("float32", True),
        "bfloat16_xla_off": run("mixed_bfloat16", False),
        "bfloat16_xla_on": run("mixed_bfloat16", True),
    }
    report(interleaved(contenders, args.rounds), "float32_xla_off")


# ---------------------------------------------------------------------------- GPU throughput
def gpu(args):
    """ResNet images/s on 32x32x3 inputs: float32 vs mixed_float16 (run where a GPU is)."""
    import tensorflow as tf

    print("devices:", [d.name for d in tf.config.list_logical_devices("GPU")])
    rng = np.random.default_rng(0)
    count = 50_000
    images = rng.integers(0, 255, (count, 32, 32, 3), dtype="uint8")
    labels = rng.integers(0, 10, count)
    rows = {}
    for name in ("float32", "mixed_float16", "float32", "mixed_float16"):
        classifier = ImageClassifier(architecture="resnet", depth=20, precision=name, epochs=args.epochs,
                                     batch_size=args.batch_size, validation_split=0, patience=0, seed=0)
        timer = EpochTimer()
        start = time.perf_counter()
        classifier.fit(images, labels, callbacks=[timer], verbose=0)
        rows.setdefault(name, []).append(count / timer.steady()[0])
        print(f"  {name}: {rows[name][-1]:.0f} images/s (run {time.perf_counter() - start:.1f} s)", flush=True)
        keras.backend.clear_session()
    summary = {name: round(statistics.median(v)) for name, v in rows.items()}
    summary["mixed_float16 / float32"] = round(summary["mixed_float16"] / summary["float32"], 2)
    print(json.dumps(summary))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="which", required=True)
    sub.add_parser("accuracy").add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    for name, rounds, epochs in (("overhead", 5, 15), ("precision", 3, 8)):
        command = sub.add_parser(name)
        command.add_argument("--rounds", type=int, default=rounds)
        command.add_argument("--epochs", type=int, default=epochs)
    command = sub.add_parser("gpu")
    command.add_argument("--epochs", type=int, default=4)
    command.add_argument("--batch-size", type=int, default=256)
    args = parser.parse_args()
    {"accuracy": accuracy, "overhead": overhead, "precision": precision, "gpu": gpu}[args.which](args)


if __name__ == "__main__":
    main()
