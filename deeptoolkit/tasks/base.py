"""Task: the fit / evaluate / predict / save / load contract every task class shares.

A task class supplies four things: how to turn user data into batched tf.data pipelines,
how to build its Keras graph, how to compile it, and how to decode predictions. This base
class owns the rest, so that every task trains, checkpoints, resumes and saves the same way:
the runtime's strategy and precision scopes, `keras.Model.fit` (no home-made loop), early
stopping with best-epoch restore, BackupAndRestore for `resume=True`, TensorBoard, and the
one-file artefact of `deeptoolkit.saving`.
"""

import logging
import math
import os
import shutil

import keras

from deeptoolkit import multiworker, runtime, saving
from deeptoolkit.data.splits import stratified_split
from deeptoolkit.errors import (
    DeeptoolkitError,
    ModelFileError,
    NotFittedError,
    TrainingDivergedError,
)
from deeptoolkit.tasks.divergence import (
    LossBecameNonFinite,
    NonFiniteLossGuard,
    diverged_message,
)

log = logging.getLogger("deeptoolkit")

# Every concrete task class, by class name, so that `deeptoolkit.load` can find the right one.
TASKS = {}


class TrainingData:
    """What a task's data preparation hands to `fit`: batched pipelines and their size."""

    def __init__(self, train, validation=None, steps_per_epoch=None):
        self.train = train
        self.validation = validation
        self.steps_per_epoch = steps_per_epoch


class Task:
    """Base class of the task classes; see the module docstring for the division of work."""

    # precision="auto" on a CPU with native bfloat16: True where the task measured faster
    # under mixed_bfloat16 at the same quality (see runtime.resolve_precision).
    bfloat16_on_cpu = False
    # jit_compile="auto" on a CPU: True where the task measured faster under XLA at the same
    # quality (benchmarks/precision.py; see runtime.resolve_jit_compile).
    xla_on_cpu = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        TASKS[cls.__name__] = cls

    def __init__(self, **config):
        # Like a scikit-learn estimator: store the arguments, learn nothing yet.
        self.config = dict(config)
        self.model = None
        self.state = {}
        self.history = None

    def __repr__(self):
        args = ", ".join(f"{key}={value!r}" for key, value in self.config.items())
        return f"{type(self).__name__}({args})"

    # ----------------------------------------------------------------- for subclasses
    def _training_data(self, data, labels, batch_size):
        """Return TrainingData for `data`; also set learned data state (vocabularies, classes)."""
        raise NotImplementedError

    def _build_model(self):
        """Return the uncompiled Keras model (called inside strategy and precision scopes)."""
        raise NotImplementedError

    def _compile_arguments(self, total_steps):
        """Return keyword arguments for `keras.Model.compile`: optimizer, loss, metrics."""
        raise NotImplementedError

    def _check_config(self):
        """Raise DeeptoolkitError if the constructor arguments cannot work (subclasses extend it)."""
        check_fraction("validation_split", self.config.get("validation_split", 0))

    # ----------------------------------------------------------------- training
    def fit(
        self,
        data=None,
        labels=None,
        *,
        epochs=None,
        batch_size=None,
        resume=False,
        checkpoint_dir=None,
        tensorboard=None,
        callbacks=None,
        verbose="auto",
    ):
        """Train on `data` and return the Keras History.

        Args:
            data: what the task reads (see the task class); None means its embedded data set.
            labels: targets, when `data` is an array of inputs.
            epochs, batch_size: override the constructor's values for this run.
            resume: continue an interrupted run from the last completed epoch saved in
                `checkpoint_dir` (needs `checkpoint_dir`).
            checkpoint_dir: folder for per-epoch backups; they are removed once training
                finishes, so a folder with a backup in it means the run was interrupted.
            tensorboard: folder for TensorBoard logs, or None.
            callbacks: extra Keras callbacks, run after the task's own.
            verbose: Keras's progress output ("auto", 0, 1 or 2).
        """
        epochs = self.config.get("epochs") if epochs is None else epochs
        batch_size = self.config.get("batch_size") if batch_size is None else batch_size
        check_positive_int("epochs", epochs)
        check_positive_int("batch_size", batch_size)
        if resume and checkpoint_dir is None:
            raise DeeptoolkitError("resume=True needs the checkpoint_dir of the interrupted run. Received: checkpoint_dir=None")
        self._check_config()
        # First: a multi-worker strategy can only be created before TensorFlow runs anything.
        strategy = runtime.get_strategy(self.config.get("distribute"))
        if self.config.get("distribute") == "multiworker" and self.config.get("seed") is None:
            # Workers shard one shuffled order between them, so they must shuffle alike.
            log.warning("distribute='multiworker' with seed=None: every worker uses seed=0 so that they shuffle alike")
            self.config["seed"] = 0
        precision = runtime.resolve_precision(self.config.get("precision", "auto"), bfloat16_on_cpu=self.bfloat16_on_cpu)
        if self.config.get("precision", "auto") == "auto":
            log.info("precision auto: %s", precision)
        runtime.set_seed(self._run_seed())

        training = self._training_data(data, labels, batch_size)
        self.state["precision"] = precision
        training.train, training.validation = runtime.shard_by_example(training.train), runtime.shard_by_example(training.validation)
        with strategy.scope():
            with runtime.precision_scope(precision):
                model = self._build_model()
            arguments = self._compile_arguments(total_steps=_total_steps(training.steps_per_epoch, epochs))
            arguments["optimizer"] = runtime.wrap_optimizer(arguments["optimizer"], precision)
            jit_compile = runtime.resolve_jit_compile(self.config.get("jit_compile", "auto"), xla_on_cpu=self.xla_on_cpu,
                                                      distribute=self.config.get("distribute"))
            model.compile(jit_compile=jit_compile, **arguments)
        runtime.prepare_model(model)

        guard = NonFiniteLossGuard()
        callbacks = [guard] + self._callbacks(training.validation is not None, resume, checkpoint_dir, tensorboard) + list(callbacks or [])
        train, steps_per_epoch = _one_iterator_for_all_epochs(training.train)
        try:
            history = model.fit(
                train,
                steps_per_epoch=steps_per_epoch,
                validation_data=training.validation,
                epochs=epochs,
                callbacks=callbacks,
                verbose=verbose,
                shuffle=False,  # the pipeline already shuffles, with the seed
            )
        except LossBecameNonFinite as error:
            guard.restore()
            self.model = model
            raise TrainingDivergedError(diverged_message(error, guard, checkpoint_dir)) from None
        self.model = model
        self.history = {name: [float(v) for v in values] for name, values in history.history.items()}
        return history

    def _callbacks(self, has_validation, resume, checkpoint_dir, tensorboard):
        # The task's own epoch-end scores come first, so that early stopping can watch them.
        callbacks = self._scoring_callbacks()
        patience = self.config.get("patience")
        if patience:
            monitor, mode = self._monitor(has_validation)
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor=monitor,
                    mode=mode,
                    patience=patience,
                    restore_best_weights=True,
                    start_from_epoch=self._early_stopping_start(),
                )
            )
        if checkpoint_dir is not None:
            # Each worker of a multi-worker run keeps its own backup: they must not write one file.
            backup_dir = os.path.join(os.fspath(checkpoint_dir), "backup" if runtime.is_chief() else f"backup-{multiworker.worker_name()}")
            if os.path.isdir(backup_dir) and not resume:
                # A fresh run must not silently continue an old one.
                shutil.rmtree(backup_dir)
            elif resume and not os.path.isdir(backup_dir):
                log.warning("resume: no interrupted run in %s; starting from epoch 1", checkpoint_dir)
            # double_checkpoint: a crash while the backup is written leaves the one before.
            callbacks.append(keras.callbacks.BackupAndRestore(backup_dir, double_checkpoint=True))
        if tensorboard is not None and runtime.is_chief():
            callbacks.append(keras.callbacks.TensorBoard(log_dir=os.fspath(tensorboard)))
        return callbacks

    def _validation_split(self, labels):
        """(kept, held) indices of the validation part, or None when validation_split is 0.

        Fit and evaluate both cut it here, with a seed fixed by the config (not by restarts),
        so that evaluate() scores exactly the examples fit held out.
        """
        fraction = self.config.get("validation_split", 0)
        if not fraction:
            return None
        if len(labels) - math.ceil(len(labels) * fraction) < 1:
            log.warning("validation_split=%s of %d examples would leave none to train on: training on all of them, "
                        "without validation", fraction, len(labels))
            return None
        seed = self.config.get("seed")
        return stratified_split(labels, fraction, 0 if seed is None else seed)

    def _held_out_indices(self, labels, spec):
        """What evaluate() scores when the training data `spec` has no test split."""
        split = self._validation_split(labels)
        if split is None:
            raise DeeptoolkitError(
                f"The training data {spec!r} has no test split and none was held out (validation_split=0). Pass data to evaluate()."
            )
        return split[1]

    def _run_seed(self):
        """The seed of this training run (a task that restarts varies it per attempt)."""
        return self.config.get("seed")

    def _scoring_callbacks(self):
        """Callbacks that add the task's own validation scores to each epoch's logs."""
        return []

    def _monitor(self, has_validation):
        """(log name, "min" or "max") that early stopping watches."""
        return ("val_loss" if has_validation else "loss"), "min"

    def _early_stopping_start(self):
        """Epochs to train before early stopping watches (and may restore) the best epoch."""
        return 0

    def _require_fitted(self):
        if self.model is None:
            raise NotFittedError(
                f"This {type(self).__name__} has no trained model yet: call fit() or deeptoolkit.load() first."
            )

    # ----------------------------------------------------------------- saving
    def save(self, path):
        """Write config, learned state, history and weights to one file at `path`.

        In a multi-worker run only the chief writes; the other workers return `path` unwritten.
        """
        self._require_fitted()
        if not runtime.is_chief():
            log.info("%s is not the chief: the chief writes %s", multiworker.worker_name(), os.fspath(path))
            return os.fspath(path)
        meta = {"task": type(self).__name__, "config": self.config, "state": self.state, "history": self.history}
        return saving.write_artifact(path, meta, self.model)

    @classmethod
    def load(cls, path):
        """Load a saved task; on a subclass, the file must hold that task."""
        meta = saving.read_meta(path)
        name = meta.get("task")
        task_class = TASKS.get(name)
        if task_class is None:
            raise ModelFileError(f"This file holds an unknown task. Expected one of {sorted(TASKS)}. Received: task={name!r}")
        if cls is not Task and not issubclass(task_class, cls):
            raise ModelFileError(f"Expected a saved {cls.__name__}. Received: task={name!r} in path={os.fspath(path)!r}")
        try:
            task = task_class(**meta.get("config", {}))
        except TypeError as error:
            raise ModelFileError(f"The saved config does not fit {name} ({error}). Received: path={os.fspath(path)!r}") from error
        task.state = meta.get("state", {})
        task.history = meta.get("history")
        task.model = saving.read_model(path, custom_objects=task._custom_objects())
        return task

    def _custom_objects(self):
        """Custom layers the saved graph uses; they are registered, so usually none."""
        return


def warmup_cosine(peak, total_steps, warmup_fraction=0.02, alpha=0.0):
    """Linear warm-up to `peak` over a fraction of training, then cosine decay to alpha * peak.

    The schedule every task trains with: robust without tuning, and it ends with the run.
    """
    warmup = max(1, int(total_steps * warmup_fraction + 1e-9))  # floor, as total_steps // 50 did
    return keras.optimizers.schedules.CosineDecay(
        0.0, max(1, total_steps - warmup), warmup_target=peak, warmup_steps=warmup, alpha=alpha
    )


def arguments(local_variables):
    """A constructor's arguments as a config dict, from its `locals()` taken first thing."""
    return {name: value for name, value in local_variables.items() if name not in ("self", "__class__")}


def check_fraction(name, value, one_allowed=False):
    """A number in [0, 1), or [0, 1] with one_allowed."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (0 <= value <= 1 if one_allowed else 0 <= value < 1):
        raise DeeptoolkitError(f"{name} must be in [0, {'1]' if one_allowed else '1)'}. Received: {name}={value!r}")


def check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DeeptoolkitError(f"{name} must be a positive integer. Received: {name}={value!r}")


def _one_iterator_for_all_epochs(dataset):
    """(dataset, steps_per_epoch) for `model.fit`, so that one iterator serves every epoch.

    Given a pipeline of known length, Keras opens a new iterator on it every epoch and drops
    the old one, and dropping an iterator waits for tf.data's autotuning thread to wake up:
    up to a second at each epoch boundary, measured here (FaceVerifier's P x K stream: 1.0-1.1 s
    stalls at the start of half its 1.5 s epochs; a plain `model.fit` on a batched
    `from_tensor_slices` pipeline the same). Repeated, with the epoch length stated, the one
    iterator lives through the whole fit. Each pass of `repeat` iterates the pipeline afresh, as a
    new iterator would (a reshuffling shuffle and a re-randomising stream draw their next order);
    Keras made two iterators per epoch and used one, so from epoch 2 on the order differs from
    that of runs before this change (equally random; epoch 1 is the same). A multi-worker run splits each of these
    global batches between the workers, so its epoch has the same number of steps. Pipelines of
    unknown length are left as they are.
    """
    batches = int(dataset.cardinality())
    if batches <= 0:
        return dataset, None
    return dataset.repeat(), batches


def _total_steps(steps_per_epoch, epochs):
    return None if steps_per_epoch is None else int(steps_per_epoch) * int(epochs)


def load(path):
    """Load any saved task and return an instance of the right task class."""
    import deeptoolkit.tasks  # noqa: F401  (registers every task class)

    return Task.load(path)
