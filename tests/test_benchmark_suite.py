"""The benchmark suite's own arithmetic: pipeline passes count every element, the table shows each row."""

import json

import tensorflow as tf

from benchmarks import quick
from benchmarks.__main__ import markdown, merged


def test_pipeline_pass_counts_every_element_of_the_second_pass():
    dataset = tf.data.Dataset.range(103).map(lambda i: ({"x": tf.fill([3], i)}, i)).cache().batch(10)
    count, seconds = quick.pipeline_pass(dataset)
    assert count == 103 and seconds > 0


def test_table_has_a_row_per_task_and_failed_tasks_say_so():
    row = {"task": "memnn", "unit": "questions", "quality": {"test accuracy": 0.8}, "ratio_wall": 0.915, "ratio_cpu": 0.886,
           "train_per_s": 3702.5, "plain_train_per_s": 3387.4, "infer_per_s": 6644.0, "pipeline_per_s": 115275.7,
           "pipeline_over_train": 31.1, "peak_memory_mb": 965.6, "rounds": 2}
    facts = {"cpu": "AMD EPYC", "cores": 2, "gpus": [], "tensorflow": "2.21.0", "keras": "3.15.1", "python": "3.11", "date": "2026-11-26"}
    table = markdown([row, {"task": "captioner", "error": "exit 1"}], facts)
    assert ("| memnn | test accuracy 0.8 | 0.915 | 0.886 | 3,702 questions | 3,387 | 6,644 | 115,276 | 31x | 966 | 2 | "
            "AMD EPYC, 2026-11-26 |") in table
    assert "| captioner | failed: exit 1 |" in table and "AMD EPYC, 2 cores, GPUs: none" in table


def test_rows_kept_from_an_earlier_run_say_where_and_when_they_were_measured(tmp_path):
    last = tmp_path / "quick.json"
    last.write_text(json.dumps({"machine": {"cpu": "AMD EPYC", "date": "2026-11-26"},
                                "rows": [{"task": "memnn", "ratio_wall": 0.4}, {"task": "face-verifier", "ratio_wall": 0.9}]}))
    new = {"task": "face-verifier", "ratio_wall": 0.97, "measured_on": "Intel Xeon, 2026-11-27"}
    rows = merged([new], path=str(last))
    assert [(r["task"], r["ratio_wall"], r["measured_on"]) for r in rows] == [
        ("face-verifier", 0.97, "Intel Xeon, 2026-11-27"), ("memnn", 0.4, "AMD EPYC, 2026-11-26")]


def test_every_task_of_the_registry_has_a_quick_benchmark():
    from deeptoolkit import registry

    assert list(quick.TASKS) == list(registry.TASKS)


def test_the_full_suite_runs_the_memnn_recipe_the_readme_quotes_and_fails_when_a_run_fails(monkeypatch, capsys):
    import os
    import subprocess
    import sys

    import pytest

    from benchmarks import __main__ as suite

    (memnn,) = [run for run in suite.FULL_RUNS if run.startswith("memnn.py")]
    for fragment in ("--joint-first", "--linear-start 0 80", "--restarts 2", "--average-restarts"):
        assert fragment in memnn
    with open(os.path.join(suite.HERE, "README.md"), encoding="utf-8") as handle:
        assert f"python benchmarks/{memnn.format(data='../shared/data')}" in handle.read()

    calls = []

    def fake_run(command, **kwargs):
        calls.append(command)
        return subprocess.CompletedProcess(command, 1 if "memnn.py" in command[1] else 0)

    monkeypatch.setattr(suite.subprocess, "run", fake_run)
    monkeypatch.setattr(sys, "argv", ["benchmarks", "--full", "--data", "/data"])
    with pytest.raises(SystemExit, match=f"1 of {len(suite.FULL_RUNS)} runs failed: memnn.py babi"):
        suite.main()
    assert len(calls) == len(suite.FULL_RUNS)  # a failure does not stop the runs after it
    monkeypatch.setattr(sys, "argv", ["benchmarks", "--full", "--dry-run"])
    calls.clear()
    suite.main()
    assert not calls and capsys.readouterr().out.count("==") >= len(suite.FULL_RUNS)
