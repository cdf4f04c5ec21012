"""Stop a run whose loss stops being a number, and keep what it had learned before.

Keras's TerminateOnNaN stops quietly and lets the backup of the last good epoch be deleted
as if the run had finished. This guard instead raises out of `model.fit` (so
BackupAndRestore keeps the last completed epoch on disk for `resume`), puts back the
weights of the last epoch that ended with a finite loss, and says where it happened.
"""

import math

import keras


class LossBecameNonFinite(Exception):
    """Raised inside `fit` by NonFiniteLossGuard; Task.fit turns it into TrainingDivergedError."""

    def __init__(self, value, epoch, step):
        super().__init__(f"loss {value} at epoch {epoch}, step {step}")
        self.value, self.epoch, self.step = value, epoch, step


class NonFiniteLossGuard(keras.callbacks.Callback):
    """Raise LossBecameNonFinite at the first batch whose loss is not finite.

    Keeps a copy of the weights at the end of every epoch whose loss was finite, so the
    model can be put back to them (`restore`). Epochs and steps are counted from 1.
    """

    def __init__(self):
        super().__init__()
        self.epoch = 0
        self.good_weights = None
        self.good_epoch = None

    def on_train_begin(self, logs=None):
        self.good_weights = [w.numpy() for w in self.model.weights]
        self.good_epoch = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch + 1

    def on_train_batch_end(self, batch, logs=None):
        value = (logs or {}).get("loss")
        if value is not None and not math.isfinite(float(value)):
            raise LossBecameNonFinite(float(value), self.epoch, batch + 1)

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get("loss")
        if value is not None and not math.isfinite(float(value)):
            raise LossBecameNonFinite(float(value), epoch + 1, "end")
        self.good_weights = [w.numpy() for w in self.model.weights]
        self.good_epoch = epoch + 1

    def restore(self):
        """Put back the weights of the last finite epoch (or the initial ones)."""
        for variable, value in zip(self.model.weights, self.good_weights):
            variable.assign(value)


def diverged_message(error, guard, checkpoint_dir):
    """The one-paragraph explanation of where the loss diverged and what was kept."""
    kept = (f"the weights after epoch {guard.good_epoch}, the last with a finite loss, were put back"
            if guard.good_epoch else "no epoch had finished, so the model holds its initial weights")
    backup = (f"; the checkpoint of the last completed epoch is kept in {checkpoint_dir} for resume=True"
              if checkpoint_dir is not None else "")
    return (f"Training stopped: the loss became {error.value} at epoch {error.epoch}, step {error.step}. "
            f"Try a lower learning_rate or precision='float32'; {kept}{backup}.")
