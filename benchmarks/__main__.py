"""The benchmark suite in one command: every task against plain Keras, one table.

    python -m benchmarks --quick [--tasks image-classifier memnn] [--rounds 2]
    python -m benchmarks --full  --data ../shared/data

--quick runs `benchmarks/quick.py` once per task, each in a fresh process (so that its peak
memory is its own and no TensorFlow state carries over), and writes `benchmarks/results/quick.json`
and the Markdown table in `docs/benchmarks.md`, with the machine it ran on; with --tasks, the
other tasks keep their rows from the last run. --full prints the
quality runs of every task (each a command of its own benchmark file, on the real data sets
under --data) and runs them one after another; they take hours on a CPU. It exits non-zero,
naming them, when any run failed; --dry-run only prints the commands.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
from deeptoolkit import registry  # noqa: E402

QUICK_TASKS = list(registry.TASKS)
FULL_RUNS = [
    "image_classifier.py accuracy --seeds 0 1 2",
    "char_rnn.py curve --data {data}/tinyshakespeare/input.txt --minutes 20",
    "translator.py bleu --data {data}/fra-eng/fra.txt --cpu-minutes 30 --epochs 7",
    "face_verifier.py accuracy --data {data}/orl-faces --seeds 0 1 2",
    "captioner.py scenes",
    "captioner.py flickr --data {data}/flickr8k-1000 --cpu-minutes 30",
    # The recipe of README.md's bAbI 1k figure: one reader on all 20 tasks, fine-tuned per task,
    # each linear-start length trained twice and the two averaged, the better kept by validation.
    "memnn.py babi --data {data}/babi/en --joint-first --linear-start 0 80 --restarts 2 --average-restarts",
    "speech.py accuracy {data}/fsdd/recordings",
    "speech.py speakers {data}/fsdd/recordings",
    "speech.py connected {data}/fsdd/recordings --sequences 1500 --epochs 25",
]


def machine():
    from deeptoolkit import runtime

    facts = runtime.describe()
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), platform.processor())
    return {"cpu": cpu, "cores": os.cpu_count(), "gpus": facts["gpus"], "tensorflow": facts["tensorflow"], "keras": facts["keras"],
            "python": platform.python_version(), "date": datetime.date.today().isoformat()}


def quick(tasks, rounds):
    rows = []
    for task in tasks:
        print(f"== {task}", flush=True)
        done = subprocess.run([sys.executable, os.path.join(HERE, "quick.py"), task, "--rounds", str(rounds)],
                              capture_output=True, text=True, cwd=ROOT)
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode or not lines:
            print(done.stdout[-2000:], done.stderr[-2000:], sep="\n")
            rows.append({"task": task, "error": f"exit {done.returncode}"})
            continue
        rows.append(json.loads(lines[-1]))
        print(lines[-1], flush=True)
    return rows


def measured_on(facts):
    """Where and when a row was measured: rows of earlier runs keep their own."""
    return f"{facts['cpu']}, {facts['date']}"


def markdown(rows, facts):
    head = ("| task | quality (after the short run) | toolkit / plain Keras, epoch wall | CPU | train /s toolkit | plain | "
            "inference /s | pipeline /s | pipeline / train | peak MB | rounds | measured on |\n"
            "|---|---|---|---|---|---|---|---|---|---|---|---|")
    lines = [f"Latest run: {facts['cpu']}, {facts['cores']} cores, GPUs: {facts['gpus'] or 'none'}; TensorFlow {facts['tensorflow']}, "
             f"Keras {facts['keras']}, Python {facts['python']}; {facts['date']}.", "", head]
    for r in rows:
        where = r.get("measured_on", measured_on(facts))
        if "error" in r:
            lines.append(f"| {r['task']} | failed: {r['error']} |" + " |" * 9 + f" {where} |")
            continue
        quality = ", ".join(f"{name} {value}" for name, value in r["quality"].items())
        unit = r["unit"]
        lines.append(f"| {r['task']} | {quality} | {r['ratio_wall']:.3f} | {r['ratio_cpu']:.3f} | {r['train_per_s']:,.0f} {unit} | "
                     f"{r['plain_train_per_s']:,.0f} | {r['infer_per_s']:,.0f} | {r['pipeline_per_s']:,.0f} | "
                     f"{r['pipeline_over_train']:.0f}x | {r['peak_memory_mb']:,.0f} | {r['rounds']} | {where} |")
    return "\n".join(lines) + "\n"


def merged(rows, path=os.path.join(HERE, "results", "quick.json")):
    """The new rows, with the other tasks' rows of the last run kept (when --tasks names some),
    each still saying the machine and date it was measured on."""
    if not os.path.isfile(path):
        return rows
    with open(path, encoding="utf-8") as handle:
        last = json.load(handle)
    previous = {row["task"]: {"measured_on": measured_on(last["machine"]), **row} for row in last["rows"]}
    previous.update({row["task"]: row for row in rows})
    return [previous[task] for task in QUICK_TASKS if task in previous]


def write(rows):
    facts = machine()
    rows = merged([{**row, "measured_on": measured_on(facts)} for row in rows])
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "quick.json"), "w", encoding="utf-8") as handle:
        json.dump({"machine": facts, "rows": rows}, handle, indent=1)
    table = markdown(rows, facts)
    os.makedirs(os.path.join(ROOT, "docs"), exist_ok=True)
    path = os.path.join(ROOT, "docs", "benchmarks.md")
    intro = ("# Benchmarks\n\nThe latest `python -m benchmarks --quick`: each task trained for a few epochs on its embedded data by "
             "the toolkit and by a plain-Keras reference of the same model, interleaved (A B A B), medians of the steady "
             "epochs. Samples are the unit in the train column (images, characters, questions). \"pipeline\" is one pass "
             "over the toolkit's cached training pipeline with no model. Quality numbers here are after the short run; "
             "the full quality runs are in `benchmarks/README.md`.\n\n")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(intro + table)
    print(table)
    return path


def main():
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--quick", action="store_true")
    mode.add_argument("--full", action="store_true")
    parser.add_argument("--tasks", nargs="+", choices=QUICK_TASKS, default=QUICK_TASKS)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    parser.add_argument("--dry-run", action="store_true", help="With --full: print the commands, run none.")
    args = parser.parse_args()
    if args.quick:
        print(f"wrote {write(quick(args.tasks, args.rounds))}")
        return
    failed = []
    for run in FULL_RUNS:
        command = [sys.executable, os.path.join(HERE, run.split()[0]), *run.format(data=args.data).split()[1:]]
        print("==", " ".join(command), flush=True)
        if args.dry_run:
            continue
        if subprocess.run(command, cwd=ROOT, check=False).returncode:
            failed.append(run.split()[0] + " " + run.split()[1])
    if failed:
        raise SystemExit(f"{len(failed)} of {len(FULL_RUNS)} runs failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
