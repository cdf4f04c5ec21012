"""Fuzz every reader of an outside file with many new cases (the suite runs 300 fixed ones each):

    python benchmarks/fuzz_readers.py                 # 10,000 new cases per reader
    python benchmarks/fuzz_readers.py --cases 2000 -k "wav or checkpoint"

Runs the fuzz tests (tests/reliability/test_fuzz_*.py) with DTK_FUZZ_EXAMPLES=N, then prints
per reader how many cases were read and how many refused with the toolkit's one-line error, and
the first failure of each test that found one (any other exception, or a crash, is one). Writes
the counts to benchmarks/results/fuzz.json.
"""

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = ["tests/reliability/test_fuzz_files.py", "tests/reliability/test_fuzz_loaders.py"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000, help="new cases per reader")
    parser.add_argument("-k", default=None, help="pytest's -k: only the tests whose names match")
    parser.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "results", "fuzz.json"))
    parser.add_argument("--shrink", action="store_true", help="shrink a failing case to a small one (can take long)")
    arguments = parser.parse_args()
    report = tempfile.NamedTemporaryFile(prefix="fuzz-", suffix=".jsonl", delete=False).name
    command = [sys.executable, "-m", "pytest", "-q", "-n", "2", "--dist", "load", "-p", "no:cacheprovider", *TESTS,
               *(["-k", arguments.k] if arguments.k else [])]
    started, cpu = time.monotonic(), time.process_time()
    env = {**os.environ, "DTK_FUZZ_EXAMPLES": str(arguments.cases), "DTK_FUZZ_REPORT": report,
           **({} if arguments.shrink else {"DTK_FUZZ_NO_SHRINK": "1"})}
    finished = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - started
    counts = collections.defaultdict(collections.Counter)
    with open(report, encoding="utf-8") as handle:
        for line in handle:
            case = json.loads(line)
            counts[case["reader"]][case["outcome"]] += 1
    os.unlink(report)
    failures = [line for line in finished.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
    print(f"{'reader':28s} {'cases':>7s} {'read':>7s} {'refused':>8s}")
    for reader, outcome in sorted(counts.items()):
        print(f"{reader:28s} {sum(outcome.values()):7d} {outcome['read']:7d} {outcome['refused']:8d}")
    print(finished.stdout.strip().splitlines()[-1] if finished.stdout.strip() else finished.stderr[-2000:])
    for failure in failures:
        print(failure)
    results = {"cases_per_reader": arguments.cases, "seconds": round(seconds, 1), "exit_status": finished.returncode,
               "readers": {reader: dict(outcome) for reader, outcome in sorted(counts.items())}, "failures": failures}
    os.makedirs(os.path.dirname(arguments.out), exist_ok=True)
    with open(arguments.out, "w", encoding="utf-8") as handle:
        json.dump(results, handle, indent=1)
    print(f"wrote {arguments.out} ({seconds:.0f} s, CPU of the runner {time.process_time() - cpu:.1f} s)")
    return finished.returncode


if __name__ == "__main__":
    sys.exit(main())
