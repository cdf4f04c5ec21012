"""Multi-worker training: two real worker processes on 127.0.0.1 against one plain process."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import deeptoolkit
from deeptoolkit import multiworker
from deeptoolkit.data.images import load_digits
from deeptoolkit.errors import DeeptoolkitError

TRAIN = textwrap.dedent("""
    import json, os, sys
    from deeptoolkit import ImageClassifier

    import keras

    class CrashAfter(keras.callbacks.Callback):  # a machine lost after this epoch's backup
        def __init__(self, epoch):
            self.epoch = epoch

        def on_epoch_end(self, epoch, logs=None):
            if epoch + 1 == self.epoch:
                os._exit(3)

    folder, distribute, epochs, crash, resume = sys.argv[1], sys.argv[2] or None, int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1"
    # No augmentation or dropout: their random draws differ per replica, which is fine for
    # training but not for comparing with one process.
    classifier = ImageClassifier(epochs=epochs, batch_size=64, patience=0, seed=0, augment=False, dropout=0.0, distribute=distribute)
    classifier.fit(checkpoint_dir=os.path.join(folder, "checkpoints"), tensorboard=os.path.join(folder, "logs"), resume=resume,
                   callbacks=[CrashAfter(crash)], verbose=0)
    saved = classifier.save(os.path.join(folder, "model.dtk"))
    print(json.dumps({"saved": saved, "steps": int(classifier.model.optimizer.iterations.numpy()),
                      "loss": classifier.history["loss"], "accuracy": classifier.evaluate()["accuracy"]}))
""")


def start(folder, distribute="", tf_config=None, epochs=2, crash=0, resume=False):
    """A training process; `tf_config`: one of multiworker.local_tf_configs."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("TF_CONFIG", None)
    if tf_config is not None:
        env["TF_CONFIG"] = tf_config
    arguments = [str(folder), distribute, str(epochs), str(crash), "1" if resume else "0"]
    return subprocess.Popen([sys.executable, "-c", TRAIN, *arguments], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def finish(process, timeout=300):
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    assert process.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def test_two_workers_train_like_one_process_and_only_the_chief_writes(tmp_path):
    folders = [tmp_path / "worker0", tmp_path / "worker1"]
    workers = [start(folder, "multiworker", tf_config) for folder, tf_config in zip(folders, multiworker.local_tf_configs(2))]
    single = start(tmp_path / "single")
    results = [finish(process) for process in workers]
    alone = finish(single)

    # Both finished the same synchronous steps: 2 epochs of the 64-image global batch.
    assert results[0]["steps"] == results[1]["steps"] == alone["steps"]
    np.testing.assert_allclose(results[0]["loss"], results[1]["loss"], rtol=1e-6)
    # The chief alone wrote the model and the TensorBoard logs; each kept its own backup.
    assert (folders[0] / "model.dtk").is_file() and not (folders[1] / "model.dtk").exists()
    assert (folders[0] / "logs").is_dir() and not (folders[1] / "logs").exists()
    # Its model loads in an ordinary process and predicts as the single-process run does.
    images = load_digits().test.images[:64]
    chief = deeptoolkit.load(folders[0] / "model.dtk").predict_proba(images)
    reference = deeptoolkit.load(tmp_path / "single" / "model.dtk").predict_proba(images)
    # Not bit-equal: gradients are summed in another order, and each epoch's last, partial
    # batch (13 images) is split 7 + 6 between the workers, whose means weigh alike.
    assert np.abs(chief - reference).max() < 0.02
    assert (chief.argmax(1) == reference.argmax(1)).all()
    np.testing.assert_allclose(results[0]["loss"], alone["loss"], rtol=1e-3)
    assert results[0]["accuracy"] == pytest.approx(alone["accuracy"], abs=0.01)


def test_workers_lost_after_an_epoch_resume_from_their_backups(tmp_path):
    folders = [tmp_path / "worker0", tmp_path / "worker1"]

    def both(**run):
        return [start(folder, "multiworker", tf_config, epochs=3, **run)
                for folder, tf_config in zip(folders, multiworker.local_tf_configs(2))]

    single = start(tmp_path / "single", epochs=3)
    for process in both(crash=1):
        process.communicate(timeout=300)
        assert process.returncode == 3
    assert (folders[0] / "checkpoints" / "backup").is_dir() and (folders[1] / "checkpoints" / "backup-worker-1").is_dir()
    resumed = [finish(process) for process in both(resume=True)]
    uninterrupted = finish(single)
    # The resumed workers trained epochs 2 and 3 only, from the optimizer state of epoch 1.
    assert [len(r["loss"]) for r in resumed] == [2, 2]
    assert resumed[0]["steps"] == resumed[1]["steps"] == uninterrupted["steps"]
    np.testing.assert_allclose(resumed[0]["loss"], uninterrupted["loss"][1:], rtol=1e-2)


def test_tf_config_is_read_and_checked(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert multiworker.cluster() == ("worker", 0, 1)
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": {"chief": ["a:1"], "worker": ["b:1", "c:1"]},
                                                "task": {"type": "worker", "index": 1}}))
    assert multiworker.cluster() == ("worker", 1, 3)
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(DeeptoolkitError, match="TF_CONFIG must be JSON"):
        multiworker.cluster()
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 3}}))
    with pytest.raises(DeeptoolkitError, match="not in its cluster"):
        multiworker.cluster()


def test_multiworker_after_tensorflow_started_is_a_clear_error(monkeypatch):
    # This test process ran TensorFlow long ago; collective ops can no longer be set up.
    monkeypatch.setenv("TF_CONFIG", multiworker.local_tf_configs(2)[0])
    with pytest.raises(DeeptoolkitError, match="must start before TensorFlow runs anything"):
        deeptoolkit.runtime.get_strategy("multiworker")
    assert not multiworker.active()


def test_the_train_command_runs_on_two_workers(tmp_path):
    processes = []
    for index, tf_config in enumerate(multiworker.local_tf_configs(2)):
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", TF_CONFIG=tf_config)
        command = [sys.executable, "-m", "deeptoolkit.cli", "image-classifier", "train", "--epochs", "1", "--seed", "0",
                   "--distribute", "multiworker", "--out", str(tmp_path / f"run{index}"), "--plots", str(tmp_path / f"plots{index}")]
        processes.append(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env))
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err[-3000:]
        outputs.append(out)
    assert f"saved {tmp_path / 'run0' / 'model.dtk'}" in outputs[0]
    assert "worker-1 finished; the chief saves the model and plots" in outputs[1]
    assert (tmp_path / "plots0" / "training_curves.png").is_file() and not (tmp_path / "plots1").exists()
    assert not (tmp_path / "run1" / "model.dtk").exists()
    # Both report the same held-out accuracy: the evaluation ran on both workers together.
    accuracies = [line for out in outputs for line in out.splitlines() if line.startswith("held-out")]
    assert len(accuracies) == 2 and accuracies[0] == accuracies[1]


MEMNN = textwrap.dedent("""
    import json, os, sys
    from deeptoolkit import MemNN

    folder, stories = sys.argv[1], sys.argv[2]
    reader = MemNN(epochs=2, dim=16, seed=0, distribute="multiworker")  # jit_compile="auto": XLA on one CPU, not here
    reader.fit(stories, verbose=0)
    reader.save(os.path.join(folder, "model.dtk"))
    print(json.dumps({"loss": reader.history["loss"], "accuracy": reader.evaluate()["accuracy"]}))
""")


def test_a_task_compiled_with_xla_on_one_cpu_trains_on_two_workers(tmp_path):
    from deeptoolkit.data.story_world import generate_babi_lines

    stories = tmp_path / "qa0_stories_train.txt"
    stories.write_text("\n".join(generate_babi_lines(600, seed=0)) + "\n")
    processes = []
    for index, tf_config in enumerate(multiworker.local_tf_configs(2)):
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", TF_CONFIG=tf_config)
        processes.append(subprocess.Popen([sys.executable, "-c", MEMNN, str(tmp_path / f"worker{index}"), str(stories)],
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env))
    results = [finish(process) for process in processes]
    assert results[0] == results[1]
    assert (tmp_path / "worker0" / "model.dtk").is_file() and not (tmp_path / "worker1").exists()
