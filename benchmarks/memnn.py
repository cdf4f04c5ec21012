"""MemNN benchmarks (issue 3): bAbI per-task error, and overhead against plain Keras.

    python benchmarks/memnn.py babi     --data ../shared/data/babi/en      [--tasks 1 2 3] [--epochs N] [--restarts K]
    python benchmarks/memnn.py babi     --data ../shared/data/babi/en      --joint-first [--joint-epochs N] [--joint-reader PATH]
    python benchmarks/memnn.py babi     --data ../shared/data/babi/en      --linear-start 20 80
    python benchmarks/memnn.py babi     --data ../shared/data/babi/en      --joint-first --linear-start 0 80 --restarts 2 --average-restarts
    python benchmarks/memnn.py babi     --data ../shared/data/babi/en-10k  --fallback ../shared/data/babi/en
    python benchmarks/memnn.py babi     --data ../shared/data/babi/en-10k  --tying layerwise --dim 100 --linear-start 10
    python benchmarks/memnn.py pick     ALONE.log FINE_TUNED.log   (per task, the run with the best validation accuracy)
    python benchmarks/memnn.py overhead --data ../shared/data/babi/en      [--tasks 1 2 3] [--rounds 2]
    python benchmarks/memnn.py review   [--seeds 0 1 2 3 4]   (the review's story: defaults, one seed per row)

`babi` trains one model per task (3 hops, the toolkit's defaults unless --tying/--dim/--hops) on the given train file and
scores the given test file; with --joint-first, one reader is first fitted on all 20 tasks
together and each task's model is that reader fine-tuned on the task. --joint-reader keeps that
reader at PATH, or fine-tunes the one already there (so two runs can share the cores, each
fine-tuning half of the tasks from the same reader). A task whose training file is missing (qa3 in en-10k) is taken
from --fallback. The overhead run trains the toolkit and a plain-Keras reference of the same
network for the same epochs, interleaved, and compares accuracy and time.
"""

import argparse
import glob
import json
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers, ops  # noqa: E402
from timing import EpochTimer, clocked, interleaved  # noqa: E402

from deeptoolkit.data.story_world import KINDS, REVIEW_QUESTIONS, REVIEW_STORY  # noqa: E402

import deeptoolkit  # noqa: E402
from deeptoolkit import MemNN  # noqa: E402
from deeptoolkit.data.babi import read_babi_file  # noqa: E402
from deeptoolkit.data.splits import stratified_split  # noqa: E402
from deeptoolkit.data.story_encoding import StoryEncoding  # noqa: E402


def task_files(folder, number, fallback=None):
    for root in (folder, fallback):
        if root is None:
            continue
        train = glob.glob(os.path.join(root, f"qa{number}_*_train.txt"))
        if train:
            return train[0], train[0].replace("_train.txt", "_test.txt")
    raise SystemExit(f"no qa{number} training file in {folder} (or --fallback)")


# ---------------------------------------------------------------------------- per-task error
def network_config(args):
    """The network's shape, the same for the joint reader and every task."""
    return {"tying": args.tying, "hops": args.hops, **({"dim": args.dim} if args.dim else {})}


def joint_reader(args, folder):
    """One reader fitted on the training files of all 20 tasks, saved; or the one saved at --joint-reader."""
    path = args.joint_reader or os.path.join(folder, "joint.dtk")
    if args.joint_reader and os.path.exists(args.joint_reader):
        print(json.dumps({"joint": True, "loaded": path}), flush=True)
        return path, 0.0, 0.0
    files = [task_files(args.data, number, args.fallback) for number in range(1, 21)]
    config = dict(network_config(args), seed=args.seed)
    if args.joint_epochs:
        config["epochs"] = args.joint_epochs
    if args.joint_linear_start is not None:
        config["linear_start"] = args.joint_linear_start
    reader = MemNN(**config)
    _, wall, cpu = clocked(lambda: reader.fit([train for train, _ in files], verbose=0))
    scores = reader.evaluate([test for _, test in files], unseen_answers="wrong")
    errors = {task: round(100 * s["error"], 1) for task, s in scores["per_task"].items()}
    path = reader.save(path)
    print(json.dumps({"joint": True, "saved": path, "epochs": len(reader.history["loss"]), "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
                      "mean_error": round(100 * statistics.mean(s["error"] for s in scores["per_task"].values()), 2),
                      "errors": errors}), flush=True)
    keras.backend.clear_session()
    return path, wall, cpu


def babi(args):
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        joint = joint_reader(args, folder) if args.joint_first or args.joint_reader else None
        for number in args.tasks:
            rows.append(one_task(args, number, joint))
    report(rows, joint)


def one_task(args, number, joint):
    train, test = task_files(args.data, number, args.fallback)
    config = dict(network_config(args), seed=args.seed, restarts=args.restarts, average_restarts=args.average_restarts)
    if args.epochs:
        config["epochs"] = args.epochs
    if args.linear_start is not None:
        config["linear_start"] = args.linear_start[0] if len(args.linear_start) == 1 else args.linear_start
    if joint:
        # The joint reader's weights and vocabulary, trained on from there on this task alone.
        reader = deeptoolkit.load(joint[0])
        shape = network_config(args)  # the joint reader's: not changed by fine-tuning
        reader.set_params(**{k: v for k, v in config.items() if k not in shape})
        _, wall, cpu = clocked(lambda: reader.fine_tune(train, verbose=0))
    else:
        reader = MemNN(**config)
        _, wall, cpu = clocked(lambda: reader.fit(train, verbose=0))
    error = reader.evaluate(test, unseen_answers="wrong")["error"]
    history, average = reader.history, reader.state.get("average")
    # Averaged runs are ranked by the average's validation score, as MemNN ranked them.
    validation = (average["accuracy"], average["loss"]) if average else (history.get("val_accuracy", [None])[-1], history.get("val_loss", [None])[-1])
    row = {"task": number, "error": round(error, 4), "epochs": len(history["loss"]), "linear_start": reader.state.get("linear_start"),
           "val_accuracy": validation[0], "val_loss": validation[1], "averaged_runs": average["runs"] if average else 1,
           "joint_first": bool(joint), "wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "train": os.path.relpath(train, args.data)}
    print(json.dumps(row), flush=True)
    keras.backend.clear_session()
    return row


def report(rows, joint):
    errors = [r["error"] for r in rows]
    print("\n| task | test error | epochs | train s |\n|---|---|---|---|")
    for r in rows:
        print(f"| qa{r['task']} | {100 * r['error']:.1f}% | {r['epochs']} | {r['wall_s']} |")
    total_wall = sum(r["wall_s"] for r in rows) + (joint[1] if joint else 0)
    # From the rows, not the run: rows `pick`ed from several logs may mix both kinds.
    fine_tuned = {r["joint_first"] for r in rows}
    print(json.dumps({"mean_error": round(statistics.mean(errors), 4), "failed_tasks_over_5pct": sum(e > 0.05 for e in errors),
                      "tasks": len(rows), "joint_first": fine_tuned.pop() if len(fine_tuned) == 1 else "some tasks",
                      "total_wall_s": round(total_wall, 1)}))


def pick(args):
    """Per task, the run with the best validation accuracy (then the lower validation loss) among
    the rows of several `babi` logs, e.g. one trained alone and one fine-tuned from a joint reader.
    The test error plays no part in the choice."""
    def score(row):  # as MemNN ranks its restarts
        return row["val_accuracy"], -row["val_loss"]

    best = {}
    for path in args.logs:
        with open(path) as log:
            rows = [dict(json.loads(line), log=path) for line in log if line.startswith('{"task"')]
        for row in rows:
            if row["val_accuracy"] is None:
                raise SystemExit(f"{path}: qa{row['task']} has no validation score to choose by")
            if row["task"] not in best or score(row) > score(best[row["task"]]):
                best[row["task"]] = row
    rows = [best[task] for task in sorted(best)]
    for row in rows:
        print(json.dumps(row))
    report(rows, None)


# ---------------------------------------------------------------------------- plain-Keras reference
class ReferenceMemN2N(keras.Model):
    """The same network written directly in Keras: PE, temporal encoding, RN, adjacent tying
    (the answer read through the last output embedding), linear start."""

    def __init__(self, vocab, answer_words, memory, length, dim=50, hops=3, noise=0.1):
        super().__init__()
        init = keras.initializers.RandomNormal(stddev=0.1)
        self.hops, self.noise, self.memory = hops, noise, memory
        self.words = [layers.Embedding(vocab, dim, embeddings_initializer=init) for _ in range(hops + 1)]
        self.times = [layers.Embedding(memory, dim, embeddings_initializer=init) for _ in range(hops + 1)]
        self.positions = np.arange(1, length + 1, dtype="float32")
        self.k = np.arange(1, dim + 1, dtype="float32") / dim
        self.answer_words = np.asarray(answer_words, "int32")
        self.is_word = (self.answer_words > 0).astype("float32")[:, None]
        self.free = self.add_weight(shape=(len(answer_words), dim), initializer=init, name="free")
        self.seeds = keras.random.SeedGenerator(0)
        self.softmax_on = keras.Variable(1.0, trainable=False)

    def sentence(self, ids, k):
        mask = ops.cast(ids > 0, "float32")
        ratio = ops.expand_dims(self.positions / ops.maximum(ops.sum(mask, -1, keepdims=True), 1.0), -1)
        pe = (1 - ratio) - self.k * (1 - 2 * ratio)  # l_kj with each sentence's own length J
        return ops.sum(self.words[k](ids) * ops.expand_dims(mask, -1) * pe, axis=-2)

    def call(self, inputs, training=False):
        story, question = inputs["story"], inputs["question"]
        filled = ops.any(story > 0, axis=-1)
        index = ops.arange(self.memory)
        if training:
            gaps = ops.cast(keras.random.uniform((self.memory,), seed=self.seeds) < self.noise, "int32")
            index = ops.minimum(index + ops.cumsum(gaps), self.memory - 1)
        u = self.sentence(question, 0)
        for k in range(self.hops):
            m = self.sentence(story, k) + self.times[k](index)
            c = self.sentence(story, k + 1) + self.times[k + 1](index)
            scores = ops.einsum("bnd,bd->bn", m, u)
            p = self.softmax_on * ops.softmax(ops.where(filled, scores, -1e9)) + (1 - self.softmax_on) * ops.where(filled, scores, 0.0)
            u = u + ops.einsum("bn,bnd->bd", p, c)
        answers = self.words[self.hops](self.answer_words) * self.is_word + self.free * (1 - self.is_word)
        return ops.softmax(ops.matmul(u, ops.transpose(answers)))


def run_reference(train_path, test_path, epochs, batch_size=32):
    questions = read_babi_file(train_path)
    encoding = StoryEncoding.fit(questions, 50)
    kept, held = stratified_split([q.answer for q in questions], 0.1, 0)
    stories, asked, answers = encoding.encode(questions)
    x = {"story": stories, "question": asked}
    keras.utils.set_random_seed(0)
    answer_words = [encoding.word_index.get(a, 0) for a in encoding.answers]
    model = ReferenceMemN2N(len(encoding.words), answer_words, encoding.memory_size, encoding.sentence_length)
    # SGD at the paper's 0.005 per question (x batch on the mean loss), linear start for
    # epochs // 11, then halved three times at even intervals; clip 40 per batch sum.
    per_epoch, linear = -(-len(kept) // batch_size), epochs // 11
    boundaries = [int(per_epoch * (linear + k * (epochs - linear) / 4)) for k in (1, 2, 3)]
    rate = 0.005 * batch_size
    schedule = keras.optimizers.schedules.PiecewiseConstantDecay(boundaries, [rate, rate / 2, rate / 4, rate / 8])
    model.compile(keras.optimizers.SGD(schedule, clipnorm=40.0 / batch_size), "sparse_categorical_crossentropy", metrics=["accuracy"])
    timer = EpochTimer()
    switch = keras.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: model.softmax_on.assign(float(epoch >= linear)))
    model.fit({k: v[kept] for k, v in x.items()}, answers[kept], validation_data=({k: v[held] for k, v in x.items()}, answers[held]),
              batch_size=batch_size, epochs=epochs, callbacks=[switch, timer], verbose=0)
    model.softmax_on.assign(1.0)
    test_stories, test_asked, test_answers = encoding.encode(read_babi_file(test_path), unseen_answers="wrong")
    predicted = model.predict({"story": test_stories, "question": test_asked}, verbose=0).argmax(1)
    return timer, float((predicted == test_answers).mean())


def run_toolkit(train_path, test_path, epochs):
    # The reference's network and rate, pinned: MemNN's defaults may move on.
    reader = MemNN(seed=0, epochs=epochs, patience=0, dim=50, learning_rate=0.005)
    timer = EpochTimer()
    reader.fit(train_path, callbacks=[timer], verbose=0)
    return timer, reader.evaluate(test_path, unseen_answers="wrong")["accuracy"]


def overhead(args):
    summary = {}
    for number in args.tasks:
        train, test = task_files(args.data, number)

        def contender(run):
            def go():
                (timer, accuracy), wall, cpu = clocked(lambda: run(train, test, args.epochs))
                keras.backend.clear_session()
                epoch_wall, epoch_cpu = timer.steady()
                return {"accuracy": round(accuracy, 4), "run_wall_s": round(wall, 2), "run_cpu_s": round(cpu, 2),
                        "epoch_wall_s": round(epoch_wall, 4), "epoch_cpu_s": round(epoch_cpu, 4)}
            return go

        print(f"qa{number}", flush=True)
        results = interleaved({"toolkit": contender(run_toolkit), "plain_keras": contender(run_reference)}, args.rounds)
        medians = {name: {key: statistics.median(r[key] for r in runs) for key in runs[0]} for name, runs in results.items()}
        medians["toolkit / plain_keras"] = {
            key: round(medians["toolkit"][key] / medians["plain_keras"][key], 3) for key in medians["toolkit"] if key != "accuracy"
        }
        summary[f"qa{number}"] = medians
        print(json.dumps(medians), flush=True)
    print(json.dumps(summary, indent=1))


# ---------------------------------------------------------------------------- the review's story
def review(args):
    """Per seed: MemNN with defaults on the generated stories, its held-out accuracy per kind of
    question, and its answers to the review's three questions (apps/lord_of_the_rings.py)."""
    rows = []
    for seed in args.seeds:
        reader = MemNN(seed=seed)
        _, wall, cpu = clocked(lambda: reader.fit(verbose=0))
        scores = reader.evaluate()
        answers = {q: reader.answer(REVIEW_STORY, q) for q in REVIEW_QUESTIONS}
        row = {"seed": seed, "accuracy": round(scores["accuracy"], 4), "fit_wall_s": round(wall), "fit_cpu_s": round(cpu),
               "per_kind": {k: round(v["accuracy"], 3) for k, v in scores["per_kind"].items()},
               "answers": {q: [a["answer"], round(a["probability"], 2)] for q, a in answers.items()},
               "all_right": all(a["answer"] == REVIEW_QUESTIONS[q] for q, a in answers.items())}
        rows.append(row)
        print(json.dumps(row), flush=True)
        keras.backend.clear_session()
    print("\n| seed | accuracy | " + " | ".join(KINDS) + " | " + " | ".join(REVIEW_QUESTIONS) + " | fit wall / CPU s |")
    print("|---" * (4 + len(KINDS) + len(REVIEW_QUESTIONS)) + "|")
    for row in rows:
        kinds = " | ".join(f"{row['per_kind'].get(k, float('nan')):.3f}" for k in KINDS)
        answers = " | ".join(f"{a} ({p:.2f})" for a, p in row["answers"].values())
        print(f"| {row['seed']} | {row['accuracy']:.4f} | {kinds} | {answers} | {row['fit_wall_s']} / {row['fit_cpu_s']} |")
    print(json.dumps({"seeds": len(rows), "all_right": sum(r["all_right"] for r in rows),
                      "least_p_right": min(p for r in rows for q, (a, p) in r["answers"].items() if a == REVIEW_QUESTIONS[q]) if rows else None,
                      "accuracy_min": min(r["accuracy"] for r in rows), "accuracy_median": statistics.median(r["accuracy"] for r in rows)}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="which", required=True)
    command = sub.add_parser("babi")
    command.add_argument("--data", required=True)
    command.add_argument("--fallback", default=None, help="Folder for tasks whose training file --data lacks.")
    command.add_argument("--tasks", type=int, nargs="+", default=list(range(1, 21)))
    command.add_argument("--epochs", type=int, default=None)
    command.add_argument("--seed", type=int, default=0)
    command.add_argument("--tying", choices=["adjacent", "layerwise"], default="adjacent", help="Weight tying between hops.")
    command.add_argument("--hops", type=int, default=3)
    command.add_argument("--dim", type=int, default=None, help="Embedding size (default: MemNN's).")
    command.add_argument("--restarts", type=int, default=1, help="Keep the best of this many runs (by validation accuracy).")
    command.add_argument("--average-restarts", action="store_true", help="Answer with the mean of the restarts' answer distributions.")
    command.add_argument("--linear-start", type=int, nargs="+", default=None,
                         help="Epochs of linear attention (default: MemNN's); several: each is tried, the best by validation accuracy kept.")
    command.add_argument("--joint-first", action="store_true",
                         help="Fit one reader on all the tasks' training files first, then fine-tune a copy of it on each task.")
    command.add_argument("--joint-epochs", type=int, default=None, help="Epochs of the joint fit (default: MemNN's).")
    command.add_argument("--joint-linear-start", type=int, default=None, help="Epochs of linear attention of the joint fit (default: MemNN's).")
    command.add_argument("--joint-reader", default=None,
                         help="Where the joint reader is kept: fitted and saved there if missing, else loaded and fine-tuned (implies --joint-first).")
    command = sub.add_parser("pick", help="Per task, the best run by validation accuracy among babi logs.")
    command.add_argument("logs", nargs="+")
    command = sub.add_parser("overhead")
    command.add_argument("--data", required=True)
    command.add_argument("--tasks", type=int, nargs="+", default=[1, 2, 3])
    command.add_argument("--rounds", type=int, default=2)
    command.add_argument("--epochs", type=int, default=220)
    command = sub.add_parser("review", help="The review's Lord of the Rings story with defaults, one row per seed.")
    command.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    args = parser.parse_args()
    {"babi": babi, "pick": pick, "overhead": overhead, "review": review}[args.which](args)


if __name__ == "__main__":
    main()
