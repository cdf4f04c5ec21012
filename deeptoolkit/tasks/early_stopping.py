"""Early stopping that survives an interruption.

Keras's EarlyStopping keeps its best value, its patience count and the best weights in memory,
so a run resumed from BackupAndRestore's backup starts counting afresh and can only restore the
best epoch seen since the restart. This one writes that state beside the backup after every
epoch and reads it back when the run resumes, so a resumed run stops, and goes back to its best
epoch, as the uninterrupted run would have.
"""

import json
import os

import keras
import numpy as np

STATE_NAME = "early_stopping.json"
WEIGHTS_NAME = "early_stopping_best.npz"


class ResumableEarlyStopping(keras.callbacks.EarlyStopping):
    def __init__(self, state_dir=None, **kwargs):
        """state_dir: where the state is kept (the backup folder of the run), or None."""
        super().__init__(**kwargs)
        self.state_dir = None if state_dir is None else os.fspath(state_dir)

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        if self.state_dir is None or not os.path.isfile(os.path.join(self.state_dir, STATE_NAME)):
            return
        with open(os.path.join(self.state_dir, STATE_NAME), encoding="utf-8") as handle:
            state = json.load(handle)
        self.best, self.wait, self.best_epoch = state["best"], state["wait"], state["best_epoch"]
        weights = os.path.join(self.state_dir, WEIGHTS_NAME)
        if self.restore_best_weights and os.path.isfile(weights):
            with np.load(weights) as saved:
                self.best_weights = [saved[f"w{i}"] for i in range(len(saved.files))]

    def on_epoch_end(self, epoch, logs=None):
        kept = self.best_weights
        super().on_epoch_end(epoch, logs)
        if self.state_dir is None:
            return
        os.makedirs(self.state_dir, exist_ok=True)
        if self.restore_best_weights and self.best_weights is not None and self.best_weights is not kept:  # new best
            _replace(os.path.join(self.state_dir, WEIGHTS_NAME),
                     lambda path: np.savez(path, **{f"w{i}": w for i, w in enumerate(self.best_weights)}))
        best = None if self.best is None else float(self.best)
        state = {"best": best, "wait": int(self.wait), "best_epoch": int(self.best_epoch)}
        _replace(os.path.join(self.state_dir, STATE_NAME), lambda path: _write_json(path, state))


def _write_json(path, value):
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(value, handle)


def _replace(path, write):
    """Write through a temporary file and rename, so a crash mid-write keeps the previous state."""
    partial = path + ".partial.npz" if path.endswith(".npz") else path + ".partial"
    write(partial)
    os.replace(partial, path)
