"""The six task graphs on any Keras backend, in three precisions (issue 31). No TensorFlow import.

    KERAS_BACKEND=jax python benchmarks/gpu.py [--steps 50] [--graphs resnet20 char_lstm ...]
    KERAS_BACKEND=jax python benchmarks/gpu.py --smoke      # tiny sizes on CPU, about a minute

For each graph of `deeptoolkit.models` at realistic sizes (ResNet-20 on 32x32x3 at batch 256; the
CharRNN 2x384 LSTM at batch 64 x 100; the Translator at batch 64 x 20 tokens; the Captioner at its
default 64x64 images with 5 captions of 20 words; the FaceVerifier embedding (ResNet-14, 32x32
grey, margin softmax over 100 people) at batch 64; MemNN at bAbI sizes) it trains N steps on one
synthetic batch in float32, mixed_bfloat16 and mixed_float16 (Keras wraps the optimizer in loss
scaling), after one untimed step that compiles: samples per second, the ratio to float32, the
loss after N steps, and for the convnets achieved TFLOP/s (3x the forward multiply-adds of
convolutions and dense layers, x2 FLOPs each). The last line is JSON: {"rows": [...]}.
"""

import argparse
import json
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import numpy as np  # noqa: E402

PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


def sizes(smoke):
    """Per graph: its build arguments and batch, realistic or tiny (--smoke)."""
    if smoke:
        return {"resnet20": dict(depth=8, image=16, batch=8), "char_lstm": dict(vocab=30, units=16, layers=1, batch=4, steps=12),
                "seq2seq": dict(source=50, target=60, embedding=8, units=16, batch=4, length=6),
                "captioner": dict(vocab=40, captions=2, words=6, image=32, width=8, units=16, embedding=8, attention_dim=8, batch=2),
                "face_embedding": dict(depth=8, width=8, image=32, people=6, batch=8),
                "memn2n": dict(vocab=40, memory=10, length=5, dim=8, batch=8)}
    return {"resnet20": dict(depth=20, image=32, batch=256), "char_lstm": dict(vocab=65, units=384, layers=2, batch=64, steps=100),
            "seq2seq": dict(source=8000, target=10000, embedding=128, units=256, batch=64, length=20),
            "captioner": dict(vocab=5000, captions=5, words=20, image=64, width=32, units=256, embedding=128, attention_dim=64, batch=32),
            "face_embedding": dict(depth=14, width=16, image=32, people=100, batch=64),
            "memn2n": dict(vocab=180, memory=50, length=12, dim=100, batch=32)}


def build(graph, s, rng):
    """(model, inputs, targets, loss) of one graph with synthetic data."""
    from deeptoolkit import losses
    from deeptoolkit.models import char_lstm, face_embedding, memn2n, resnet, seq2seq, show_attend_tell

    b = s["batch"]
    scce = keras.losses.SparseCategoricalCrossentropy
    if graph == "resnet20":
        model = resnet.resnet(10, 3, (s["image"], s["image"]), 255.0, depth=s["depth"], augment=False)
        return model, rng.uniform(0, 255, (b, s["image"], s["image"], 3)).astype("float32"), rng.integers(0, 10, b), scce()
    if graph == "char_lstm":
        model = char_lstm.char_lstm(s["vocab"], 64 if s["units"] > 100 else 8, s["units"], s["layers"])
        text = rng.integers(1, s["vocab"], (b, s["steps"] + 1))
        return model, text[:, :-1], text[:, 1:], scce(from_logits=True)
    if graph == "seq2seq":
        model = seq2seq.seq2seq(s["source"], s["target"], s["embedding"], s["units"])
        source, target = rng.integers(4, s["source"], (b, s["length"])), rng.integers(4, s["target"], (b, s["length"] + 1))
        return model, [source, target[:, :-1]], target[:, 1:], scce(from_logits=True, ignore_class=0)
    if graph == "captioner":
        model = show_attend_tell.captioner(s["vocab"], s["captions"], s["words"], image_size=(s["image"], s["image"]), width=s["width"],
                                           embedding_dim=s["embedding"], units=s["units"], attention_dim=s["attention_dim"])
        words = rng.integers(4, s["vocab"], (b, s["captions"], s["words"] + 1))
        inputs = {"image": rng.uniform(0, 255, (b, s["image"], s["image"], 3)).astype("float32"), "captions_in": words[..., :-1]}
        return model, inputs, words[..., 1:], scce(from_logits=True, ignore_class=0)
    if graph == "face_embedding":
        model = face_embedding.face_embedding(1, (s["image"], s["image"]), depth=s["depth"], width=s["width"], num_people=s["people"],
                                              augment=False)
        photos = rng.uniform(0, 255, (b, s["image"], s["image"], 1)).astype("float32")
        people = rng.integers(0, s["people"], b)
        return model, photos, {"identity": people}, {"identity": losses.MarginSoftmaxLoss()}
    if graph == "memn2n":
        answers = list(range(1, 11))
        model = memn2n.memn2n(s["vocab"], answers, s["memory"], s["length"], dim=s["dim"])
        inputs = {"story": rng.integers(0, s["vocab"], (b, s["memory"], s["length"])), "question": rng.integers(1, s["vocab"], (b, s["length"]))}
        return model, inputs, rng.integers(0, len(answers), b), scce()
    raise ValueError(graph)


def forward_flops(model):
    """Forward FLOPs per sample of the convolutions and dense layers (2 per multiply-add)."""
    total = 0
    for layer in model._flatten_layers(include_self=False):
        if isinstance(layer, keras.layers.Conv2D):
            _, h, w, out = layer.output.shape
            total += 2 * h * w * out * math.prod(layer.kernel_size) * layer.input.shape[-1]
        elif isinstance(layer, keras.layers.Dense) and layer.built and len(layer.input.shape) == 2:
            total += 2 * layer.input.shape[-1] * layer.units
    return total


def measure(graph, s, precision, steps, seed=0):
    keras.config.set_dtype_policy(precision)
    keras.utils.set_random_seed(seed)
    try:
        model, x, y, loss = build(graph, s, np.random.default_rng(seed))
        model.compile(keras.optimizers.Adam(1e-3), loss=loss)
        model.train_on_batch(x, y)  # compiles
        start = time.perf_counter()
        for _ in range(steps):
            value = model.train_on_batch(x, y)
        seconds = time.perf_counter() - start
        value = float(np.asarray(value[0] if isinstance(value, (list, tuple)) else value))
        row = {"graph": graph, "precision": precision, "samples_per_s": round(s["batch"] * steps / seconds, 2), "loss": round(value, 4)}
        if graph in ("resnet20", "face_embedding"):
            row["tflops"] = round(3 * forward_flops(model) * s["batch"] * steps / seconds / 1e12, 4)
        return row
    finally:
        keras.config.set_dtype_policy("float32")
        keras.backend.clear_session()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=None, help="Timed steps per run (default 50; --smoke 3).")
    parser.add_argument("--graphs", nargs="+", default=None)
    parser.add_argument("--precisions", nargs="+", default=list(PRECISIONS), choices=PRECISIONS)
    parser.add_argument("--smoke", action="store_true", help="Tiny sizes, a few steps: checks that everything runs.")
    args = parser.parse_args()
    table = sizes(args.smoke)
    steps = args.steps or (3 if args.smoke else 50)
    rows = []
    for graph in args.graphs or list(table):
        base = None
        for precision in args.precisions:
            row = measure(graph, table[graph], precision, steps)
            base = row["samples_per_s"] if precision == "float32" else base
            row["ratio_to_float32"] = round(row["samples_per_s"] / base, 3) if base else None
            rows.append(row)
            print(json.dumps(row), flush=True)
    print(json.dumps({"backend": keras.backend.backend(), "devices": _devices(), "steps": steps, "smoke": args.smoke, "rows": rows}))


def _devices():
    if keras.backend.backend() == "jax":
        import jax

        return [str(d) for d in jax.devices()]
    return []


if __name__ == "__main__":
    main()
