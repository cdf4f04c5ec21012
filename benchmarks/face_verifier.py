"""FaceVerifier benchmarks (issue 6): ORL verification of unseen people, throughput against plain Keras.

    python benchmarks/face_verifier.py accuracy   --data ../shared/data/orl-faces [--seeds 0 1 2] [--set NAME=VALUE ...]
    python benchmarks/face_verifier.py throughput --data ../shared/data/orl-faces [--rounds 3] [--epochs 6]

accuracy: trains on people s1-s30 with the toolkit's defaults (or --set overrides), then scores
every genuine pair of the unseen s31-s40 and as many impostor pairs (seed 0) with the LFW
10-fold protocol: accuracy mean and std, ROC AUC, EER.

throughput: the toolkit (objective="triplet") against the same network written directly in Keras
(ResNet-14 body on 32x32 photos, 128-d bottleneck, unit length, the same semi-hard triplet loss
and P x K batches), interleaved
A B A B: steady training epoch wall/CPU seconds, and images/s embedding all 400 photos.
"""

import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras  # noqa: E402
import numpy as np  # noqa: E402
from timing import EpochTimer, clocked, interleaved  # noqa: E402

from deeptoolkit import FaceVerifier  # noqa: E402
from deeptoolkit.data import faces  # noqa: E402
from deeptoolkit.losses import SemiHardTripletLoss  # noqa: E402
from deeptoolkit.tasks.optimizers import warmup_cosine  # noqa: E402

TRAIN, UNSEEN = "s1-s30", "s31-s40"


def _overrides(items):
    return {key: json.loads(value) for key, value in (item.split("=", 1) for item in items)}


# ---------------------------------------------------------------------------- accuracy
def accuracy(args):
    rows = []
    for seed in args.seeds:
        verifier = FaceVerifier(seed=seed, **_overrides(args.set))
        _, wall, cpu = clocked(lambda verifier=verifier: verifier.fit(args.data, people=TRAIN, verbose=0))
        scores = verifier.evaluate(args.data, people=UNSEEN)
        rows.append({"seed": seed, **{k: round(scores[k], 4) for k in ("accuracy", "accuracy_std", "auc", "eer", "accuracy_at_threshold")},
                     "threshold": round(verifier.threshold, 4), "epochs": len(verifier.history["loss"]),
                     "best_val_auc": round(max(verifier.history.get("val_auc", [0])), 4), "pairs": scores["pairs"],
                     "train_wall_s": round(wall), "train_cpu_s": round(cpu)})
        print(json.dumps(rows[-1]), flush=True)
    print(json.dumps({"config": verifier.config, "mean_accuracy": round(statistics.mean(r["accuracy"] for r in rows), 4),
                      "min_accuracy": min(r["accuracy"] for r in rows), "mean_auc": round(statistics.mean(r["auc"] for r in rows), 4),
                      "mean_eer": round(statistics.mean(r["eer"] for r in rows), 4)}))


# ---------------------------------------------------------------------------- throughput
def reference_model(channels=1, size=(32, 32), depth=14, width=16, embedding_dim=128):
    """The same network written directly in Keras, as a practitioner would without the toolkit."""
    inputs = keras.Input((None, None, channels))
    x = keras.layers.Resizing(*size)(inputs)
    x = keras.layers.Rescaling(1 / 255)(x)
    x = keras.layers.RandomFlip("horizontal")(x)
    x = keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant")(x)
    x = keras.layers.RandomRotation(10 / 360, fill_mode="constant")(x)
    x = keras.layers.RandomZoom(0.1, fill_mode="constant")(x)
    x = keras.layers.RandomErasing(factor=1.0, scale=(0.02, 0.33), value_range=(0, 1))(x)
    x = keras.layers.Conv2D(width, 3, padding="same", use_bias=False)(x)
    x = keras.layers.Activation("relu")(keras.layers.BatchNormalization()(x))
    for stage, filters in enumerate((width, 2 * width, 4 * width)):
        for block in range((depth - 2) // 6):
            stride = 2 if stage > 0 and block == 0 else 1
            y = keras.layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False)(x)
            y = keras.layers.Activation("relu")(keras.layers.BatchNormalization()(y))
            y = keras.layers.BatchNormalization()(keras.layers.Conv2D(filters, 3, padding="same", use_bias=False)(y))
            if stride != 1 or x.shape[-1] != filters:
                x = keras.layers.BatchNormalization()(keras.layers.Conv2D(filters, 1, strides=stride, use_bias=False)(x))
            x = keras.layers.Activation("relu")(keras.layers.Add()([y, x]))
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.UnitNormalization()(keras.layers.Dense(embedding_dim)(x))
    return keras.Model(inputs, outputs)


def pk_order(labels, people_per_batch, photos_per_person, steps, seed):
    """Photo indices laid out in P x K batches, drawn with numpy."""
    rng = np.random.default_rng(seed)
    people = np.unique(labels)
    order = []
    for _ in range(steps):
        for person in rng.choice(people, min(people_per_batch, len(people)), replace=False):
            own = np.flatnonzero(labels == person)
            order.extend(rng.choice(own, photos_per_person, replace=len(own) < photos_per_person))
    return np.asarray(order)


def run_reference(train, everything, epochs, batch_size=64, k=4):
    """Plain Keras: train on `train` in P x K batches, then time embedding `everything`."""
    keras.utils.set_random_seed(0)
    model = reference_model()
    steps = -(-len(train) // batch_size)
    schedule = warmup_cosine(3e-3, steps * epochs, warmup_fraction=0.05)
    model.compile(keras.optimizers.AdamW(schedule, weight_decay=1e-4), SemiHardTripletLoss(0.2))
    timer = EpochTimer()
    for epoch in range(epochs):  # a fresh P x K layout per epoch, as the toolkit draws
        order = pk_order(train.labels, batch_size // k, k, steps, seed=epoch)
        model.fit(train.images[order], train.labels[order], batch_size=batch_size, shuffle=False, epochs=epoch + 1,
                  initial_epoch=epoch, callbacks=[timer], verbose=0)
    model.predict(everything.images[:8], verbose=0)  # traced before the clock starts
    _, wall, cpu = clocked(lambda: model.predict(everything.images, batch_size=128, verbose=0))
    return timer, wall, cpu


def run_toolkit(train, everything, epochs):
    verifier = FaceVerifier(objective="triplet", seed=0, epochs=epochs, validation_split=0, patience=0)
    timer = EpochTimer()
    verifier.fit(train.images, [train.people[i] for i in train.labels], callbacks=[timer], verbose=0)
    verifier.embed(everything.images[:8])  # traced before the clock starts
    _, wall, cpu = clocked(lambda: verifier.embed(everything.images))
    return timer, wall, cpu


def throughput(args):
    train = faces.load_faces(args.data, image_size=(32, 32), people=TRAIN)
    everything = faces.load_faces(args.data, image_size=(32, 32))

    def contender(run):
        def once():
            (timer, embed_wall, embed_cpu), run_wall, run_cpu = clocked(run)
            epoch_wall, epoch_cpu = timer.steady()
            keras.backend.clear_session()
            return {"epoch_wall_s": round(epoch_wall, 3), "epoch_cpu_s": round(epoch_cpu, 3),
                    "embed_images_per_s": round(len(everything) / embed_wall, 1), "embed_cpu_s": round(embed_cpu, 3),
                    "train_images_per_s": round(len(train) / epoch_wall, 1)}
        return once

    # Training on s1-s30; embedding throughput over all 400 photos afterwards.
    results = interleaved({"toolkit": contender(lambda: run_toolkit(train, everything, args.epochs)),
                           "plain_keras": contender(lambda: run_reference(train, everything, args.epochs))}, args.rounds)
    summary = {name: {key: statistics.median(r[key] for r in runs) for key in runs[0]} for name, runs in results.items()}
    summary["toolkit / plain_keras"] = {
        "epoch_wall": round(summary["toolkit"]["epoch_wall_s"] / summary["plain_keras"]["epoch_wall_s"], 3),
        "epoch_cpu": round(summary["toolkit"]["epoch_cpu_s"] / summary["plain_keras"]["epoch_cpu_s"], 3),
        "embed_time": round(summary["plain_keras"]["embed_images_per_s"] / summary["toolkit"]["embed_images_per_s"], 3),
        "embed_cpu": round(summary["toolkit"]["embed_cpu_s"] / summary["plain_keras"]["embed_cpu_s"], 3),
    }
    print(json.dumps(summary, indent=1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="which", required=True)
    command = sub.add_parser("accuracy")
    command.add_argument("--data", required=True)
    command.add_argument("--seeds", type=int, nargs="+", default=[0])
    command.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE", help="Override a default (JSON value).")
    command = sub.add_parser("throughput")
    command.add_argument("--data", required=True)
    command.add_argument("--rounds", type=int, default=3)
    command.add_argument("--epochs", type=int, default=6)
    args = parser.parse_args()
    {"accuracy": accuracy, "throughput": throughput}[args.which](args)


if __name__ == "__main__":
    main()
