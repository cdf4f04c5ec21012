"""Captioner benchmarks (issue 7): BLEU on held-out generated scenes and on Flickr8k photos.

    python benchmarks/captioner.py scenes [--epochs N]
    python benchmarks/captioner.py flickr --data ../shared/data/flickr8k-1000 [--attention additive|none] [--cpu-minutes 30]

`scenes` trains the defaults on the embedded generated scenes and scores the 300 test scenes
(another seed) greedily and with beam 3. `flickr` sorts the images by name, trains on the
first 900 and scores the last 100 against their five captions, training until --epochs or
until the process has used --cpu-minutes of CPU time (run it with and without attention; two
runs may share the machine, since each budget counts its own process's CPU time). It also
scores the "most frequent caption" baseline: the commonest training caption for every image.
"""

import argparse
import collections
import csv
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras  # noqa: E402
import keras_hub  # noqa: E402
import numpy as np  # noqa: E402
from timing import CpuBudget, EpochTimer, clocked  # noqa: E402

from deeptoolkit import Captioner, runtime  # noqa: E402
from deeptoolkit.data.captions import tokenize  # noqa: E402

FLICKR = dict(image_size=(128, 128), width=32, units=256, dropout=0.3, min_count=3, epochs=60, patience=8)


def score(captioner, data, label):
    results = {}
    for beam in (None, 3):
        scores, wall, cpu = clocked(lambda beam=beam: captioner.evaluate(data, beam=beam))
        results[f"beam_{beam or 1}"] = {**{k: round(v, 4) if isinstance(v, float) else v for k, v in scores.items()},
                                        "images_per_s": round(scores["images"] / wall, 1), "cpu_s": round(cpu, 1)}
        print(label, json.dumps(results[f"beam_{beam or 1}"]), flush=True)
    return results


def scenes(args):
    captioner = Captioner(seed=0, **({"epochs": args.epochs} if args.epochs else {}))
    _, wall, cpu = clocked(lambda: captioner.fit(verbose=2))
    results = {"epochs_run": len(captioner.history["loss"]), "train_wall_s": round(wall), "train_cpu_s": round(cpu),
               **score(captioner, None, "scenes")}
    print(json.dumps(results, indent=1))


def split_flickr(folder, out, train_images=900):
    """Write train.csv and test.csv of the images sorted by name: the first 900, the rest."""
    with open(os.path.join(folder, "captions.txt"), encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    names = sorted({row["image"] for row in rows})
    train = set(names[:train_images])
    for part, keep in (("train", lambda n: n in train), ("test", lambda n: n not in train)):
        with open(os.path.join(out, f"{part}.csv"), "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["image", "caption"])
            writer.writerows([row["image"], row["caption"]] for row in rows if keep(row["image"]))
    return rows, train


def most_frequent_caption(rows, train, test_csv):
    counts = collections.Counter(" ".join(tokenize(r["caption"])) for r in rows if r["image"] in train)
    commonest, count = counts.most_common(1)[0]
    references = collections.defaultdict(list)
    with open(test_csv, encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            references[row["image"]].append(" ".join(tokenize(row["caption"])))
    scores = {"caption": commonest, "times_in_training": count}
    for order in range(1, 5):
        bleu = keras_hub.metrics.Bleu(max_order=order)
        bleu.update_state(list(references.values()), [commonest] * len(references))
        scores[f"bleu{order}"] = round(float(bleu.result()), 4)
    return scores


def flickr(args):
    overrides = {key: json.loads(value) for key, value in (item.split("=", 1) for item in args.set)}
    with tempfile.TemporaryDirectory() as scratch:
        rows, train = split_flickr(args.data, scratch)
        images = os.path.join(args.data, "images")
        train_data, test_data = (os.path.join(scratch, "train.csv"), images), (os.path.join(scratch, "test.csv"), images)
        baseline = most_frequent_caption(rows, train, test_data[0])
        print("most frequent caption", json.dumps(baseline), flush=True)
        config = {**FLICKR, **overrides}
        captioner = Captioner(attention=None if args.attention == "none" else args.attention, seed=0, **config)
        budget = CpuBudget(args.cpu_minutes * 60)
        _, wall, cpu = clocked(lambda: captioner.fit(train_data, callbacks=[budget], verbose=0))
        results = {"attention": args.attention, "config": captioner.config, "parameters": captioner.model.count_params(),
                   "vocabulary": len(captioner.vocabulary), "epochs_run": len(budget.points), "train_wall_s": round(wall),
                   "train_cpu_s": round(cpu), "curve": budget.points, "most_frequent_caption": baseline,
                   **score(captioner, test_data, args.attention)}
        test_images = sorted({r["image"] for r in rows if r["image"] not in train})
        written = captioner.caption([os.path.join(images, n) for n in test_images], beam=3)
        # How much the captions depend on the picture: a decoder that learned only the caption
        # prior writes one sentence for every photo.
        results["distinct_captions_beam_3"] = len(set(written))
        results["examples"] = dict(zip(test_images[:6], written[:6]))
        print(json.dumps(results, indent=1))
        if args.save:
            captioner.save(args.save)


# ---------------------------------------------------------------------------- plain-Keras reference
def reference_captioner(vocab_size, per_image, steps, width=32, units=256, embedding_dim=128, attention_dim=64, dropout=0.2):
    """The toolkit's default captioner written directly in Keras: ResNet-8 grid (stem max-pool 2),
    mean-initialised LSTM, additive attention on 64-d projections, Luong's attentional layer."""
    from keras import layers, ops

    def conv_bn(x, filters, size=3):
        return layers.BatchNormalization(momentum=0.9)(layers.Conv2D(filters, size, padding="same", use_bias=False)(x))

    image = keras.Input((None, None, 3))
    captions_in = keras.Input((per_image, steps), dtype="int32")
    x = layers.Rescaling(1 / 255)(layers.Resizing(64, 64)(image))
    x = layers.MaxPooling2D(2)(layers.Activation("relu")(conv_bn(x, width)))
    for stage, filters in enumerate((width, 2 * width, 4 * width)):
        stride = 2 if stage else 1
        y = layers.Activation("relu")(layers.BatchNormalization(momentum=0.9)(
            layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False)(x)))
        y = conv_bn(y, filters)
        if stride != 1 or x.shape[-1] != filters:
            x = conv_bn(layers.MaxPooling2D(1, strides=stride)(x), filters, 1)
        x = layers.Activation("relu")(layers.Add()([y, x]))
    features = layers.Dense(units, activation="relu")(layers.Reshape((-1, 4 * width))(x))
    mean = ops.mean(features, axis=1)
    h, c = layers.Dense(units, activation="tanh")(mean), layers.Dense(units, activation="tanh")(mean)
    h, c, features = (ops.repeat(t, per_image, axis=0) for t in (h, c, features))
    tokens = ops.reshape(captions_in, (-1, steps))
    outputs, _, _ = layers.LSTM(units, return_sequences=True, return_state=True)(
        layers.Embedding(vocab_size, embedding_dim)(tokens), initial_state=[h, c])
    context = layers.AdditiveAttention(dtype="float32")([layers.Dense(attention_dim, use_bias=False)(outputs), features,
                                          layers.Dense(attention_dim, use_bias=False)(features)])
    joined = layers.LayerNormalization()(layers.Concatenate()([outputs, context]))
    logits = layers.Dense(vocab_size, dtype="float32")(layers.Dropout(dropout)(layers.Dense(units, activation="tanh")(joined)))
    return keras.Model([image, captions_in], ops.reshape(logits, (-1, per_image, steps, vocab_size)))


def run_reference(images, captions, epochs, precision="float32", batch_size=32, max_length=20):
    """Plain Keras: captions encoded to arrays, model.fit on (images, captions) arrays."""
    from deeptoolkit.data.splits import stratified_split
    from deeptoolkit.data.word_vocabulary import WordVocabulary
    from deeptoolkit.tasks.optimizers import warmup_cosine

    words = [[tokenize(c) for c in cs] for cs in captions]
    kept, held = stratified_split(np.arange(len(images)), 0.1, 0)
    vocabulary = WordVocabulary.fit([w for i in kept for w in words[i]], 3)
    per_image, steps = max(len(w) for w in words), max_length + 1
    captions_in = np.zeros((len(images), per_image, steps), "int32")
    captions_out = np.zeros_like(captions_in)
    for row, caption_words in enumerate(words):
        for column, w in enumerate(caption_words):
            captions_in[row, column] = vocabulary.encode(w[:max_length], steps, start=True)
            captions_out[row, column] = vocabulary.encode(w[:max_length], steps, end=True)
    keras.utils.set_random_seed(0)
    with runtime.precision_scope(precision):
        model = reference_captioner(len(vocabulary), per_image, steps)
    total = -(-len(kept) // batch_size) * epochs
    model.compile(keras.optimizers.Adam(warmup_cosine(2e-3, total, alpha=0.05), global_clipnorm=1.0),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0))
    timer = EpochTimer()
    model.fit([images[kept], captions_in[kept]], captions_out[kept], batch_size=batch_size, epochs=epochs,
              validation_data=([images[held], captions_in[held]], captions_out[held]), callbacks=[timer], verbose=0)
    return timer


def run_toolkit(images, captions, epochs, precision="float32"):
    captioner = Captioner(seed=0, epochs=epochs, patience=0, precision=precision)
    timer = EpochTimer()
    captioner.fit((images, captions), callbacks=[timer], verbose=0)
    return timer, captioner


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="which", required=True)
    command = sub.add_parser("scenes")
    command.add_argument("--epochs", type=int, default=None, help="Default: the toolkit's.")
    command = sub.add_parser("flickr")
    command.add_argument("--data", required=True)
    command.add_argument("--attention", choices=["additive", "none"], default="additive")
    command.add_argument("--cpu-minutes", type=float, default=30)
    command.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE", help="Override a default (JSON value).")
    command.add_argument("--save", default=None)
    args = parser.parse_args()
    {"scenes": scenes, "flickr": flickr}[args.which](args)


if __name__ == "__main__":
    main()
