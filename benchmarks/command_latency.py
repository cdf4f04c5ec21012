"""How long `deeptoolkit TASK predict` takes on a saved model, from a fresh process (issue 36).

    python benchmarks/command_latency.py [--rounds 5] [--tasks image-classifier ...]

For each task: its saved tiny model in tests/fixtures/legacy and one input of its kind. The whole
command, `deeptoolkit TASK predict MODEL INPUT` in a fresh process as a user runs it (wall and
CPU seconds); then, in another fresh interpreter, the phases apart: importing the command line
and the task's module (TensorFlow and Keras come with it), loading the model, the prediction.
Runs alternate between tasks, round after round; medians of --rounds. The last line is JSON.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from deeptoolkit import registry  # noqa: E402

LEGACY = os.path.join(ROOT, "tests", "fixtures", "legacy")

PHASES = """
import json, sys, time
start = time.perf_counter(), time.process_time()
import importlib
from deeptoolkit import registry
from deeptoolkit.cli import main
importlib.import_module(registry.module_name(sys.argv[1]))
imported = time.perf_counter(), time.process_time()
import deeptoolkit
task = deeptoolkit.load(sys.argv[2])
loaded = time.perf_counter(), time.process_time()
task.predict(sys.argv[3] if sys.argv[1] != "char-rnn" else [sys.argv[3]])
predicted = time.perf_counter(), time.process_time()
spans = {"import": (start, imported), "load": (imported, loaded), "predict": (loaded, predicted)}
print(json.dumps({name: {"wall": b[0] - a[0], "cpu": b[1] - a[1]} for name, (a, b) in spans.items()}))
"""


def inputs(folder):
    """One input file (or text) per task, of the kind its predict reads."""
    import numpy as np
    from PIL import Image

    from scipy.io import wavfile

    from deeptoolkit.data import shape_scenes, spoken_digits, story_world, synthetic_faces

    def image(name, array):
        path = os.path.join(folder, name)
        Image.fromarray(np.asarray(array, "uint8").squeeze()).save(path)
        return path

    sentences = os.path.join(folder, "sentences.txt")
    with open(sentences, "w", encoding="utf-8") as handle:
        handle.write("we see the red cars .\n")
    story = os.path.join(folder, "qa0_story_test.txt")
    with open(story, "w", encoding="utf-8") as handle:
        handle.write("\n".join(story_world.generate_babi_lines(5, seed=1)) + "\n")
    faces, _ = synthetic_faces.photos(synthetic_faces.people(1, seed=5), 1, seed=5)
    clip = spoken_digits.split()[1][0][7]
    spoken = os.path.join(folder, "seven.wav")
    wavfile.write(spoken, clip.rate, np.round(clip.samples * 32767).astype("int16"))
    return {"image-classifier": image("digit.png", np.random.default_rng(0).integers(0, 255, (8, 8))),
            "face-verifier": image("face.png", faces[0]),
            "char-rnn": "the cat ",
            "translator": sentences,
            "captioner": image("scene.png", shape_scenes.generate_scenes(1, seed=7)[0][0]),
            "memnn": story,
            "speech": spoken}


def model_of(task):
    return os.path.join(LEGACY, task.replace("-", "_") + ".dtk")


def whole_command(task, given):
    """(wall, CPU) seconds of `deeptoolkit TASK predict MODEL INPUT` in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "deeptoolkit.cli", task, "predict", model_of(task), given], capture_output=True,
                          text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{task} predict failed: {done.stdout}{done.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), done.stdout.splitlines()[0]


def phases(task, given):
    done = subprocess.run([sys.executable, "-c", PHASES, task, model_of(task), given], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{task}: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tasks", nargs="+", default=list(registry.TASKS), choices=list(registry.TASKS))
    args = parser.parse_args()
    rows = {task: {"wall": [], "cpu": [], "import": [], "load": [], "predict": []} for task in args.tasks}
    with tempfile.TemporaryDirectory() as folder:
        given = inputs(folder)
        for round_ in range(args.rounds):
            for task in args.tasks:
                wall, cpu, first_line = whole_command(task, given[task])
                spans = phases(task, given[task])
                row = rows[task]
                row["wall"].append(wall)
                row["cpu"].append(cpu)
                for name in ("import", "load", "predict"):
                    row[name].append(spans[name]["wall"])
                print(f"round {round_ + 1} {task:16s} command {wall:5.2f} s wall {cpu:5.2f} s CPU | import {spans['import']['wall']:.2f} "
                      f"load {spans['load']['wall']:.2f} predict {spans['predict']['wall']:.2f} s | {first_line[:60]}", flush=True)
    medians = {task: {name: round(statistics.median(values), 2) for name, values in row.items()} for task, row in rows.items()}
    print(f"{'task':16s} {'wall':>6s} {'CPU':>6s} {'import':>7s} {'load':>6s} {'predict':>8s}  (medians of {args.rounds} rounds, seconds)")
    for task, row in medians.items():
        print(f"{task:16s} {row['wall']:6.2f} {row['cpu']:6.2f} {row['import']:7.2f} {row['load']:6.2f} {row['predict']:8.2f}")
    print(json.dumps({"rounds": args.rounds, "medians": medians}))


if __name__ == "__main__":
    main()
