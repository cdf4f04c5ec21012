"""Multi-worker training (issue 10): steps/s of one process, one worker and two workers.

    python benchmarks/multiworker.py [--rounds 3] [--epochs 6] [--batch-size 64] [--architecture lenet5|resnet]

Trains the ImageClassifier (LeNet-5, or ResNet-8, on the builtin digits, no augmentation or dropout so that
runs compare exactly) three ways, interleaved per round: a plain process (no strategy), one
worker under MultiWorkerMirroredStrategy (no TF_CONFIG), and two workers on 127.0.0.1 under
TF_CONFIG, all with the same global batch. Reports median steady steps/s (epochs after the
first), CPU seconds per step summed over the processes, and how far the chief's saved model's
predictions are from the plain process's. The two workers share this machine's cores, so this
measures correctness and the cost of the collective ops, not a speed-up.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap

import numpy as np

WORKER = textwrap.dedent("""
    import json, os, sys, time
    import keras
    from deeptoolkit import ImageClassifier

    class Clock(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = (time.perf_counter(), time.process_time())
        def on_epoch_end(self, epoch, logs=None):
            epochs.append((time.perf_counter() - self.start[0], time.process_time() - self.start[1]))

    folder, distribute, epoch_count, batch_size, architecture = sys.argv[1], sys.argv[2] or None, int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    epochs = []
    classifier = ImageClassifier(architecture=architecture, epochs=epoch_count, batch_size=batch_size, patience=0, seed=0, augment=False, dropout=0.0,
                                 distribute=distribute)
    classifier.fit(callbacks=[Clock()], verbose=0)
    classifier.save(os.path.join(folder, "model.dtk"))
    steps = int(classifier.model.optimizer.iterations.numpy()) // epoch_count
    print(json.dumps({"steps_per_epoch": steps, "epochs": epochs, "accuracy": classifier.evaluate()["accuracy"]}))
""")


def run(folder, workers, args):
    """Train with `workers` processes (0: a plain process without a strategy); chief's result."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("TF_CONFIG", None)
    from deeptoolkit.multiworker import local_tf_configs

    count = max(workers, 1)
    tf_configs = local_tf_configs(count)
    processes = []
    for index in range(count):
        if workers > 1:
            env = dict(env, TF_CONFIG=tf_configs[index])
        out = os.path.join(folder, f"worker{index}")
        command = [sys.executable, "-c", WORKER, out, "multiworker" if workers else "", str(args.epochs), str(args.batch_size), args.architecture]
        processes.append(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env))
    results = []
    for process in processes:
        out, err = process.communicate(timeout=900)
        if process.returncode:
            raise SystemExit(err[-3000:])
        results.append(json.loads(out.strip().splitlines()[-1]))
    steady = [r["epochs"][1:] for r in results]
    wall = statistics.median(max(epoch[0] for epoch in same) for same in zip(*steady))
    cpu = statistics.median(sum(epoch[1] for epoch in same) for same in zip(*steady))
    steps = results[0]["steps_per_epoch"]
    return {"steps_per_s": round(steps / wall, 2), "cpu_s_per_step": round(cpu / steps, 4), "epoch_wall_s": round(wall, 3),
            "accuracy": round(results[0]["accuracy"], 4), "model": os.path.join(folder, "worker0", "model.dtk")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--architecture", choices=["lenet5", "resnet"], default="lenet5")
    args = parser.parse_args()

    import deeptoolkit
    from deeptoolkit.data.images import load_digits

    images = load_digits().test.images
    contenders = {"one process": 0, "one worker": 1, "two workers": 2}
    rows = {name: [] for name in contenders}
    with tempfile.TemporaryDirectory() as folder:
        for round_number in range(args.rounds):
            predictions = {}
            for name, workers in contenders.items():
                result = run(os.path.join(folder, f"{round_number}-{workers}"), workers, args)
                predictions[name] = deeptoolkit.load(result.pop("model")).predict_proba(images)
                rows[name].append(result)
                print(f"round {round_number + 1} {name}: {json.dumps(result)}", flush=True)
            for name in ("one worker", "two workers"):
                difference = np.abs(predictions[name] - predictions["one process"])
                rows[name][-1]["max_probability_difference"] = float(difference.max())
                rows[name][-1]["same_class"] = float((predictions[name].argmax(1) == predictions["one process"].argmax(1)).mean())
    summary = {name: {key: statistics.median(r[key] for r in runs) for key in runs[0]} for name, runs in rows.items()}
    base = summary["one process"]
    print("\n| run | steps/s | epoch wall s | CPU s per step (all processes) | accuracy | max prob. diff vs one process | same class |")
    print("|---|---|---|---|---|---|---|")
    for name, row in summary.items():
        difference = f"{row['max_probability_difference']:.4f}" if "max_probability_difference" in row else "-"
        same = f"{row['same_class']:.4f}" if "same_class" in row else "-"
        print(f"| {name} | {row['steps_per_s']:.2f} ({row['steps_per_s'] / base['steps_per_s']:.2f}x) | {row['epoch_wall_s']:.3f} | "
              f"{row['cpu_s_per_step']:.4f} | {row['accuracy']:.4f} | {difference} | {same} |")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
