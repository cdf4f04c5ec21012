"""Per task: float32 against mixed_bfloat16 and against XLA (`jit_compile=True`), on this machine.

    python benchmarks/precision.py [--tasks translator captioner ...] [--rounds 2]

Each task trains its quick-suite configuration on its embedded data under the three settings,
interleaved (A B C A B C ...), and reports the median steady epoch (wall and CPU seconds; the
first epoch, which traces, is left out), the ratio to float32, and the quality metric after
the short run. This is what decides each task's `precision="auto"` on a CPU with native
bfloat16 (`Task.bfloat16_on_cpu`) and `jit_compile="auto"` (off on CPUs). A setting that fails
to compile is reported as such.
"""

import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras  # noqa: E402
from timing import EpochTimer, interleaved  # noqa: E402

SETTINGS = {
    "float32": dict(precision="float32", jit_compile=False),
    "mixed_bfloat16": dict(precision="mixed_bfloat16", jit_compile=False),
    "float32 + XLA": dict(precision="float32", jit_compile=True),
}


def cases():
    """{task: (make(**setting), data, epochs, quality(task) -> (name, value))} on embedded data."""
    from deeptoolkit import (
        Captioner,
        CharRNN,
        FaceVerifier,
        ImageClassifier,
        MemNN,
        Translator,
    )
    from deeptoolkit.data import phrasebook, shape_scenes
    from deeptoolkit.data.story_world import generate_babi_lines
    from deeptoolkit.data.text import builtin_text

    text = builtin_text()[:60_000]
    pairs, other_pairs = phrasebook.generate_pairs(6000, seed=0), phrasebook.generate_pairs(300, seed=1)
    scenes, test_scenes = shape_scenes.generate_scenes(1200, seed=0), shape_scenes.generate_scenes(200, seed=1)
    stories = os.path.join(os.environ.get("TMPDIR", "/tmp"), "qa0_precision_train.txt")
    with open(stories, "w", encoding="utf-8") as handle:
        handle.writelines(line + "\n" for line in generate_babi_lines(3000, 0))
    return {
        "image-classifier": (lambda **s: ImageClassifier(seed=0, epochs=6, patience=0, augment=False, **s), "builtin:digits",
                             lambda t: ("test accuracy", t.evaluate()["accuracy"])),
        "char-rnn": (lambda **s: CharRNN(seed=0, epochs=3, patience=0, sample_length=0, **s), text,
                     lambda t: ("validation loss", t.evaluate(text[int(0.9 * len(text)):])["loss"])),
        "translator": (lambda **s: Translator(seed=0, epochs=3, patience=0, **s), pairs,
                       lambda t: ("BLEU-4 greedy", t.evaluate(other_pairs)["bleu4"])),
        "captioner": (lambda **s: Captioner(seed=0, epochs=3, patience=0, **s), scenes,
                      lambda t: ("BLEU-4 greedy", t.evaluate(test_scenes)["bleu4"])),
        "face-verifier": (lambda **s: FaceVerifier(seed=0, epochs=6, patience=0, **s), "builtin:synthetic-faces",
                          lambda t: ("unseen 10-fold accuracy", t.evaluate()["accuracy"])),
        "memnn": (lambda **s: MemNN(seed=0, epochs=12, **s), stories,
                  lambda t: ("held-out accuracy", t.evaluate()["accuracy"])),
    }


def measure(make, data, quality, setting):
    def once():
        timer = EpochTimer()
        try:
            task = make(**setting)
            task.fit(data, callbacks=[timer], verbose=0)
            name, value = quality(task)
        except Exception as error:  # noqa: BLE001 - a setting that cannot compile is a result too
            keras.backend.clear_session()
            return {"failed": f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"}
        keras.backend.clear_session()
        wall, cpu = timer.steady()
        return {"epoch_wall_s": round(wall, 3), "epoch_cpu_s": round(cpu, 3), name: round(float(value), 4)}

    return once


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=None)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    table = cases()
    summary = {}
    for task in args.tasks or list(table):
        make, data, quality = table[task]
        print(task, flush=True)
        runs = interleaved({name: measure(make, data, quality, setting) for name, setting in SETTINGS.items()}, args.rounds)
        row = {}
        for name, results in runs.items():
            good = [r for r in results if "failed" not in r]
            if not good:
                row[name] = {"failed": results[0]["failed"]}
                continue
            row[name] = {key: statistics.median(r[key] for r in good) for key in good[0]}
        base = row["float32"]
        for name in ("mixed_bfloat16", "float32 + XLA"):
            if "failed" not in row[name] and "failed" not in base:
                row[name]["wall_ratio"] = round(row[name]["epoch_wall_s"] / base["epoch_wall_s"], 3)
                row[name]["cpu_ratio"] = round(row[name]["epoch_cpu_s"] / base["epoch_cpu_s"], 3)
        summary[task] = row
        print(json.dumps({task: row}), flush=True)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
