"""The graphs run on any Keras backend (JAX here, on CPU); task classes work there or refuse at once."""

import json
import math
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
pytest.importorskip("jax")  # in the test extra: CI has it


def under_jax(*args, timeout=600):
    # XLA's CPU compiler at its lowest optimisation: these tiny graphs run a step or two, so
    # compiling is most of the work (55 s -> 36 s for the twelve graphs; the results are the same).
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3", "JAX_PLATFORMS": "cpu",
           "XLA_FLAGS": "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true"}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def test_every_graph_trains_under_jax_in_float32_and_bfloat16():
    done = under_jax("benchmarks/gpu.py", "--smoke", "--steps", "1", "--precisions", "float32", "mixed_bfloat16")
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["backend"] == "jax"
    rows = {(row["graph"], row["precision"]): row for row in report["rows"]}
    graphs = {"resnet20", "char_lstm", "seq2seq", "captioner", "face_embedding", "memn2n"}
    assert set(rows) == {(g, p) for g in graphs for p in ("float32", "mixed_bfloat16")}
    for (graph, precision), row in rows.items():
        assert math.isfinite(row["loss"]) and row["samples_per_s"] > 0, row
        # One step from the same start: bfloat16's rounding moves the loss a little, not the model.
        assert row["loss"] == pytest.approx(rows[(graph, "float32")]["loss"], rel=0.05), (graph, precision)


def test_task_classes_work_under_jax_or_refuse_at_construction():
    script = """
import numpy as np
from deeptoolkit import CharRNN, Captioner, FaceVerifier, ImageClassifier, MemNN, Translator
from deeptoolkit.errors import DeeptoolkitError
for task in (CharRNN, Translator, Captioner, MemNN):
    try:
        task()
        print("constructed", task.__name__)
    except DeeptoolkitError as error:
        print("refused", task.__name__, str(error))
FaceVerifier()
rng = np.random.default_rng(0)
images, labels = rng.uniform(0, 255, (40, 8, 8)).astype("float32"), np.arange(40) % 2
classifier = ImageClassifier(epochs=1, batch_size=8, seed=0).fit(images, labels, verbose=0)
answer = classifier.predict(images[0], top_k=2)[0]
print("predicted", answer["label"] == answer["top_k"][0]["label"], round(sum(t["probability"] for t in answer["top_k"]), 4))
"""
    done = under_jax("-c", script)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    refused = [line for line in lines if line.startswith("refused")]
    assert [line.split()[1] for line in refused] == ["CharRNN", "Translator", "Captioner", "MemNN"]
    assert all("TensorFlow backend only" in line and "'jax'" in line for line in refused)
    assert "predicted True 1.0" in lines  # the top class is the answer, and two classes share all the probability
