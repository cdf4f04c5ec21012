"""One task's quick benchmark: the toolkit against plain Keras side by side, plus throughputs.

    python benchmarks/quick.py TASK [--rounds 2]

Prints one JSON object on its last line: the time ratio of a steady training epoch (toolkit /
plain-Keras reference of the same model on the same data, interleaved A B A B, medians), both
sides' training samples/s, the toolkit's inference samples/s, its input pipeline alone
(samples/s of one pass over the cached training pipeline, no model), the quality metric after
the short run, and the process's peak memory. `python -m benchmarks` runs it once per task, each
in its own process, so that peak memory is the task's own.

Everything runs on the embedded default data: no data set needs to be on the machine.
"""

import argparse
import json
import os
import resource
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras  # noqa: E402
import numpy as np  # noqa: E402
from timing import clocked, interleaved, median_of  # noqa: E402

from deeptoolkit import registry  # noqa: E402


def side_by_side(toolkit, plain, rounds):
    """Interleaved runs of two contenders returning EpochTimers; medians of the steady epochs."""

    def contender(run):
        def once():
            result = run()
            timer = result[0] if isinstance(result, tuple) else result
            wall, cpu = timer.steady()
            keras.backend.clear_session()
            return {"epoch_wall_s": wall, "epoch_cpu_s": cpu}

        return once

    results = interleaved({"toolkit": contender(toolkit), "plain_keras": contender(plain)}, rounds)
    return {name: {key: median_of(runs, key) for key in runs[0]} for name, runs in results.items()}


def pipeline_pass(dataset):
    """(elements, seconds) of the second pass over a batched pipeline (the first fills the cache).

    The pipelines come from a fresh task's `training_pipelines`, which sets that task's learned
    state (vocabularies, calibration pairs); a trained task's state is left alone.
    """
    for _ in dataset:
        pass
    import tensorflow as tf

    start, count = time.perf_counter(), 0
    for batch in dataset:
        count += int(tf.nest.flatten(batch)[0].shape[0])
    return count, time.perf_counter() - start


def timed_rate(function):
    """Outputs per second of `function()` (which returns one output per input), after a warm-up call."""
    function()  # traced before the clock starts
    outputs, wall, _ = clocked(function)
    return len(outputs) / wall


# ----------------------------------------------------------------------------- tasks
def image_classifier(rounds, epochs=6):
    import image_classifier as bench

    from deeptoolkit import ImageClassifier
    from deeptoolkit.data.images import load_digits

    times = side_by_side(lambda: bench.run_toolkit(epochs), lambda: bench.run_reference(epochs), rounds)
    task = ImageClassifier(seed=0, epochs=epochs)
    task.fit(verbose=0)
    samples, seconds = pipeline_pass(ImageClassifier(seed=0).training_pipelines("builtin:digits", batch_size=64).train)
    test = load_digits().test.images
    return times, samples, seconds, {
        "unit": "images",
        "quality": {"test accuracy": round(task.evaluate()["accuracy"], 4)},
        "infer_per_s": timed_rate(lambda: task.predict(test)),
    }


def char_rnn(rounds, characters=60_000):
    import char_rnn as bench

    from deeptoolkit import CharRNN, runtime
    from deeptoolkit.data.text import builtin_text

    text = builtin_text()[:characters]
    config = CharRNN().config
    precision = runtime.resolve_precision("auto", bfloat16_on_cpu=CharRNN.bfloat16_on_cpu)
    times = side_by_side(lambda: bench.run_toolkit(text, config, precision), lambda: bench.run_plain(text, config, precision), rounds)
    task = CharRNN(seed=0, epochs=2, patience=0, sample_length=0)
    task.fit(text, verbose=0)
    batches = CharRNN(seed=0).training_pipelines(text, batch_size=config["batch_size"]).train
    windows, seconds = pipeline_pass(batches)
    length = config["sequence_length"]
    prompts = [text[i : i + length] for i in range(0, 64 * length, length)]
    return times, windows * length, seconds, {
        "unit": "characters",
        # The held-out part is the text's last 10% (validation_split), scored again here.
        "quality": {"validation loss (nats/char)": round(task.evaluate(text[int(0.9 * len(text)):])["loss"], 4)},
        # predict gives the next-character distribution after each prompt: one output per window.
        "infer_per_s": timed_rate(lambda: task.predict(prompts)) * length,
        "precision": precision,
        "samples_per_epoch": len(text),  # both sides train on all of it (validation_split=0)
    }


def memnn(rounds, epochs=20):
    import memnn as bench

    from deeptoolkit import MemNN
    from deeptoolkit.data import story_world

    with tempfile.TemporaryDirectory() as folder:
        train, test = (os.path.join(folder, f"qa0_stories_{part}.txt") for part in ("train", "test"))
        for path, (count, seed) in ((train, (3000, 0)), (test, (500, 1))):
            with open(path, "w", encoding="utf-8") as handle:
                handle.writelines(line + "\n" for line in story_world.generate_babi_lines(count, seed))
        times = side_by_side(lambda: bench.run_toolkit(train, test, epochs), lambda: bench.run_reference(train, test, epochs),
                             rounds)
        task = MemNN(seed=0, epochs=epochs, patience=0)
        task.fit(train, verbose=0)
        samples, seconds = pipeline_pass(MemNN(seed=0).training_pipelines(train, batch_size=32).train)
        return times, samples, seconds, {
            "unit": "questions",
            "quality": {"test accuracy": round(task.evaluate(test)["accuracy"], 4)},
            "infer_per_s": timed_rate(lambda: task.predict(test)),
        }


def face_verifier(rounds, epochs=8):
    import face_verifier as bench

    from deeptoolkit import FaceVerifier
    from deeptoolkit.data import faces

    train = faces.load_faces("builtin:synthetic-faces", image_size=(32, 32))
    unseen = faces.load_faces("builtin:synthetic-faces:unseen", image_size=(32, 32))
    times = side_by_side(lambda: bench.run_toolkit(train, unseen, epochs), lambda: bench.run_reference(train, unseen, epochs),
                         rounds)
    task = FaceVerifier(objective="triplet", seed=0, epochs=epochs, validation_split=0, patience=0)
    task.fit("builtin:synthetic-faces", verbose=0)  # the same photos as `train`; evaluate() then scores `unseen`
    # The P x K stream never ends by itself: a pass is 16 batches.
    samples, seconds = pipeline_pass(FaceVerifier(seed=0).training_pipelines("builtin:synthetic-faces", batch_size=64).train.take(16))
    return times, samples, seconds, {
        "unit": "images",
        "quality": {"unseen 10-fold accuracy": round(task.evaluate()["accuracy"], 4)},
        "infer_per_s": timed_rate(lambda: task.embed(unseen.images)),
        "samples_per_epoch": len(train),  # both sides: ceil(N / 64) P x K batches per epoch
    }


def translator(rounds, epochs=3):
    import translator as bench

    from deeptoolkit import Translator
    from deeptoolkit.data import phrasebook

    pairs = phrasebook.generate_pairs(6000, seed=0)
    times = side_by_side(lambda: bench.run_toolkit(pairs, epochs), lambda: bench.run_reference(pairs, epochs), rounds)
    _, task = bench.run_toolkit(pairs, epochs)
    samples, seconds = pipeline_pass(Translator(seed=0).training_pipelines(pairs, batch_size=64).train)
    others = phrasebook.generate_pairs(300, seed=1)
    return times, samples, seconds, {
        "unit": "sentence pairs",
        "quality": {"BLEU-4 greedy, 300 pairs of seed 1": round(task.evaluate(others)["bleu4"], 4)},
        "infer_per_s": timed_rate(lambda: task.translate([s for s, _ in others])),
    }


def captioner(rounds, epochs=3, scenes=1200):
    import captioner as bench

    from deeptoolkit import Captioner, runtime
    from deeptoolkit.data import shape_scenes

    images, captions = shape_scenes.generate_scenes(scenes, seed=0)
    # Both sides in the precision the toolkit's "auto" picks here, so the ratio compares like with like.
    precision = runtime.resolve_precision("auto", bfloat16_on_cpu=Captioner.bfloat16_on_cpu)
    times = side_by_side(lambda: bench.run_toolkit(images, captions, epochs, precision),
                         lambda: bench.run_reference(images, captions, epochs, precision), rounds)
    _, task = bench.run_toolkit(images, captions, epochs, precision)
    samples, seconds = pipeline_pass(Captioner(seed=0).training_pipelines((images, captions), batch_size=32).train)
    test = shape_scenes.generate_scenes(200, seed=1)
    return times, samples, seconds, {
        "unit": "images",
        "quality": {"BLEU-4 greedy, 200 test scenes": round(task.evaluate(test)["bleu4"], 4)},
        "infer_per_s": timed_rate(lambda: task.caption(test[0])),
        "precision": precision,
    }


def speech(rounds, epochs=8):
    import speech as bench

    from deeptoolkit import SpeechRecognizer
    from deeptoolkit.data import spoken_digits

    (train, labels), (test, _) = spoken_digits.split()
    times = side_by_side(lambda: bench.toolkit_run("builtin:digits", epochs), lambda: bench.reference_run(train, labels, epochs), rounds)
    _, task = bench.toolkit_run("builtin:digits", epochs)
    samples, seconds = pipeline_pass(SpeechRecognizer(seed=0).training_pipelines(batch_size=32).train)
    return times, samples, seconds, {
        "unit": "clips",
        "quality": {"test accuracy (unheard voices)": round(task.evaluate()["accuracy"], 4)},
        "infer_per_s": timed_rate(lambda: task.predict(test)),
        "samples_per_epoch": len(train),  # both sides train on all of it (validation_split=0)
    }


# One function per task of the registry, named after it; a task without one is a KeyError here.
TASKS = {name: globals()[name.replace("-", "_")] for name in registry.TASKS}


def run(task, rounds):
    times, samples, seconds, extra = TASKS[task](rounds)
    toolkit, plain = times["toolkit"], times["plain_keras"]
    per_epoch = extra.pop("samples_per_epoch", samples)
    row = {
        "task": task,
        **extra,
        "train_per_s": per_epoch / toolkit["epoch_wall_s"],
        "plain_train_per_s": per_epoch / plain["epoch_wall_s"],
        "ratio_wall": toolkit["epoch_wall_s"] / plain["epoch_wall_s"],
        "ratio_cpu": toolkit["epoch_cpu_s"] / plain["epoch_cpu_s"],
        "pipeline_per_s": samples / seconds,
        "peak_memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rounds": rounds,
    }
    row["pipeline_over_train"] = row["pipeline_per_s"] / row["train_per_s"]
    return {key: round(value, 3) if isinstance(value, float) else value for key, value in row.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task", choices=sorted(TASKS))
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    np.random.seed(0)
    print(json.dumps(run(args.task, args.rounds)))


if __name__ == "__main__":
    main()
