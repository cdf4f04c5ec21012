"""The callbacks every fit gets: early stopping, the backup that `resume` continues from, TensorBoard."""

import json
import logging
import os
import shutil

import keras

from deeptoolkit import multiworker, runtime
from deeptoolkit.tasks.early_stopping import ResumableEarlyStopping

log = logging.getLogger("deeptoolkit")


def standard_callbacks(task, run, training):
    """Early stopping on the task's monitor, BackupAndRestore in `run.checkpoint_dir`, TensorBoard."""
    callbacks = []
    backup_dir = None
    if run.checkpoint_dir is not None:
        # Each worker of a multi-worker run keeps its own backup: they must not write one file.
        name = "backup" if runtime.is_chief() else f"backup-{multiworker.worker_name()}"
        backup_dir = os.path.join(os.fspath(run.checkpoint_dir), name)
        if os.path.isdir(backup_dir) and not run.resume:
            # A fresh run must not silently continue an old one.
            shutil.rmtree(backup_dir)
        elif run.resume:
            say_where_it_resumes(run, backup_dir)
    patience = task.config.get("patience")
    if patience:
        watched = task._early_stopping(run, training)
        callbacks.append(ResumableEarlyStopping(
            state_dir=backup_dir, monitor=watched["monitor"], mode=watched["mode"], patience=patience,
            min_delta=task.config.get("min_delta") or 0, restore_best_weights=True, start_from_epoch=watched["start"]))
    if backup_dir is not None:
        # double_checkpoint: a crash while the backup is written leaves the one before.
        callbacks.append(keras.callbacks.BackupAndRestore(backup_dir, double_checkpoint=True))
    if run.tensorboard is not None and runtime.is_chief():
        callbacks.append(keras.callbacks.TensorBoard(log_dir=os.fspath(run.tensorboard)))
    return callbacks


def say_where_it_resumes(run, backup_dir):
    """Before a resumed run trains: which run it continues and the epochs already done."""
    done = completed_epochs(backup_dir)
    if done is None:
        log.warning("resume: no interrupted run in %s; starting from epoch 1", run.checkpoint_dir)
        return
    message = (f"resuming the interrupted run in {os.fspath(run.checkpoint_dir)}: {done} of {run.epochs} epochs done, "
               f"training from epoch {done + 1}")
    if run.verbose != 0:
        print(message, flush=True)
    log.info(message)


def completed_epochs(backup_dir):
    """Epochs an interrupted run completed, from its BackupAndRestore backup; None without one."""
    path = os.path.join(os.fspath(backup_dir), "training_metadata.json")
    try:
        with open(path, encoding="utf-8") as handle:
            return int(json.load(handle)["epoch"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
