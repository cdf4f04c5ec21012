"""Every task resumes an interrupted run with early stopping on, as `train --resume` does: the
remaining epochs only, the optimizer's step count continuing, early stopping's best and patience
carried over, and a word before training of which run it continues."""

import json

import keras
import pytest

from deeptoolkit import registry
from deeptoolkit.tasks import early_stopping
from tests.tiny_tasks import TINY

EPOCHS = 3


class InterruptAfterFirstEpoch(keras.callbacks.Callback):
    steps_per_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        self.steps_per_epoch = int(self.model.optimizer.iterations.numpy())
        raise KeyboardInterrupt


@pytest.mark.parametrize("name", list(registry.TASKS))
def test_an_interrupted_run_resumes_where_it_stopped(name, tmp_path, monkeypatch, capsys):
    config, data_for = TINY[name]
    task_class = registry.task_class(registry.TASKS[name])
    # Early stopping on, with the task's own patience where it has one (as the CLI's --resume does).
    patience = task_class().config["patience"] or 2

    def make():
        return task_class(**config, patience=patience, seed=0)

    data, checkpoints = data_for(tmp_path), tmp_path / "run"
    interrupt = InterruptAfterFirstEpoch()
    with pytest.raises(KeyboardInterrupt):
        make().fit(data, epochs=EPOCHS, checkpoint_dir=checkpoints, callbacks=[interrupt], verbose=0)
    backup = checkpoints / "backup"
    assert backup.is_dir()
    saved = json.loads((backup / early_stopping.STATE_NAME).read_text())

    seen = {}
    load_state = early_stopping.ResumableEarlyStopping.on_train_begin

    def spy(callback, logs=None):
        load_state(callback, logs)
        seen.update(best=callback.best, wait=callback.wait)

    monkeypatch.setattr(early_stopping.ResumableEarlyStopping, "on_train_begin", spy)
    capsys.readouterr()
    resumed = make()
    resumed.fit(data, epochs=EPOCHS, checkpoint_dir=checkpoints, resume=True, verbose=1)
    assert f"resuming the interrupted run in {checkpoints}: 1 of {EPOCHS} epochs done, training from epoch 2" in capsys.readouterr().out
    assert seen == {"best": saved["best"], "wait": saved["wait"]}  # early stopping goes on from the interrupted run
    trained = len(resumed.history["loss"])
    assert 1 <= trained <= EPOCHS - 1  # the remaining epochs (fewer if early stopping ends the run)
    assert int(resumed.model.optimizer.iterations.numpy()) == (1 + trained) * interrupt.steps_per_epoch
    assert not backup.exists()
