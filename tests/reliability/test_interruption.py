"""Real interruptions: a training process and a save are killed with SIGKILL mid-way."""

import json
import signal
import subprocess
import sys
import textwrap
import time

import pytest

EPOCHS = 5

TRAIN = textwrap.dedent("""
    import json, sys, time
    import keras
    from deeptoolkit import ImageClassifier

    class Slow(keras.callbacks.Callback):  # widens the window in which the test kills the run
        def on_epoch_end(self, epoch, logs=None):
            time.sleep(0.4)

    folder, resume = sys.argv[1], sys.argv[2] == "resume"
    classifier = ImageClassifier(epochs=%d, patience=0, seed=0)
    classifier.fit(checkpoint_dir=folder, resume=resume, callbacks=[Slow()], verbose=0)
    print(json.dumps({"epochs": len(classifier.history["loss"]),
                      "steps": int(classifier.model.optimizer.iterations.numpy()),
                      "accuracy": classifier.evaluate()["accuracy"]}))
""" % EPOCHS)


def _python(script, *args, **popen):
    return subprocess.Popen([sys.executable, "-c", script, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **popen)


def _finish(process, timeout=300):
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def _wait_for(condition, process, timeout=300):
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, "the process ended before it could be interrupted: " + process.stderr.read()[-3000:]
        assert time.monotonic() < deadline, "timed out waiting for the process"
        time.sleep(0.05)


def test_a_killed_training_run_resumes_to_the_same_epoch_count_and_optimizer_state(tmp_path):
    folder = tmp_path / "run"
    metadata = folder / "backup" / "training_metadata.json"

    def completed_epochs():
        try:
            return json.loads(metadata.read_text())["epoch"]
        except (OSError, ValueError, KeyError):
            return 0

    first = _python(TRAIN, folder, "fresh")
    uninterrupted = _python(TRAIN, tmp_path / "whole", "fresh")
    _wait_for(lambda: completed_epochs() >= 2, first)
    first.send_signal(signal.SIGKILL)
    first.wait()
    done = completed_epochs()
    assert 2 <= done < EPOCHS

    resumed = _finish(_python(TRAIN, folder, "resume"))
    whole = _finish(uninterrupted)
    assert resumed["epochs"] == EPOCHS - done  # only the epochs the killed run had not finished
    assert resumed["steps"] == whole["steps"]  # the optimizer's step count came back with the weights
    assert resumed["accuracy"] == pytest.approx(whole["accuracy"], abs=0.05)
    assert not (folder / "backup").exists()  # removed once the resumed run completed


SAVE = textwrap.dedent("""
    import sys, time, zipfile
    import keras
    from deeptoolkit import saving

    path, marker = sys.argv[1], sys.argv[2]
    inputs = keras.Input((3,))
    saving.write_artifact(path, {"task": "first"}, keras.Model(inputs, keras.layers.Dense(2)(inputs)))
    write = zipfile.ZipFile.write

    def slow_write(self, *args, **kwargs):  # the second save hangs half-written until killed
        write(self, *args, **kwargs)
        open(marker, "w").close()
        time.sleep(60)

    zipfile.ZipFile.write = slow_write
    saving.write_artifact(path, {"task": "second"}, keras.Model(inputs, keras.layers.Dense(4)(inputs)))
""")


def test_a_save_killed_half_way_leaves_the_previous_model_intact(tmp_path):
    from deeptoolkit import saving

    path, marker = tmp_path / "model.dtk", tmp_path / "half-written"
    process = _python(SAVE, path, marker)
    _wait_for(marker.exists, process, timeout=120)
    before = path.read_bytes()
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert path.read_bytes() == before
    assert saving.read_meta(path)["task"] == "first"
    assert saving.read_model(path).output.shape[-1] == 2
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".dtk-save-")) == ["half-written", "model.dtk"]
