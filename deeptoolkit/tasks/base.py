"""Task: the fit / evaluate / predict / save / load contract every task class shares.

A task class supplies what differs: how to turn user data into batched tf.data pipelines
(`_training_data`), its Keras graph (`_build_model`), how to compile it (`_compile_arguments`),
how to score and decode. Each of these hooks receives the one `Run` of the `fit` call (epochs,
batch size, verbosity, seed, the task's own fit arguments), so no fit-time value lives on the
task. This base class owns the rest, so that every task trains, checkpoints, resumes and saves
the same way: the runtime's strategy and precision scopes, `keras.Model.fit` (no home-made
loop), early stopping with a minimum improvement and best-epoch restore, BackupAndRestore for
`resume=True`, TensorBoard, inference caches, and the one-file artefact of `deeptoolkit.saving`.

Inputs and outputs follow one rule in every task: `predict` returns a list with one result per
input, a single input counting as a list of one (as scikit-learn's predict returns an array);
a task's own verb (`translate`, `caption`, `verify`, `answer`, `generate`) returns one result
for one input and a list for a list.
"""

import copy
import logging
import math
import os

# What training, saving and scoring need is imported where it is used: importing a task module
# stays free of TensorFlow, so that the command line reads the declarations for `--help` at once.
from deeptoolkit import multiworker, registry
from deeptoolkit.checks import check_positive_int
from deeptoolkit.data import catalog, tfds_source
from deeptoolkit.declaration import Declared, declared_options, options_doc
from deeptoolkit.errors import (
    DeeptoolkitError,
    ModelFileError,
    NotFittedError,
    TrainingDivergedError,
)
from deeptoolkit.tasks import fine_tuning
from deeptoolkit.tasks.run import Run, one_iterator_for_all_epochs, total_steps

log = logging.getLogger("deeptoolkit")

# Why evaluate() without data has nothing to score: the one wording of that error.
NOT_SAVED = "the training data was given in memory and is not saved with the model"
NOTHING_HELD_OUT = "nothing was held out (validation_split=0) and the data has no test split"


class Task(Declared):
    """Base class of the task classes; see the module docstring for the division of work."""

    # Whether `fit(data, labels)` takes labels beside the data (else targets come from the data).
    takes_labels = False
    # precision="auto" on a CPU with native bfloat16: True where the task measured faster
    # under mixed_bfloat16 at the same quality (see runtime.resolve_precision).
    bfloat16_on_cpu = False
    # jit_compile="auto" on a CPU: True where the task measured faster under XLA at the same
    # quality (benchmarks/precision.py; see runtime.resolve_jit_compile).
    xla_on_cpu = False
    # Whether the task runs under a Keras backend other than TensorFlow (checked: tests/test_backends.py).
    any_backend = False

    def __init__(self, **config):
        # As a scikit-learn estimator: keep the arguments and learn nothing yet; unlike one,
        # refuse values that cannot work now rather than at the end of a long fit's set-up.
        from deeptoolkit import runtime

        self.config = dict(config)
        runtime.check_backend(type(self).__name__, self.any_backend)
        self._check_config()
        self.model = None
        self.state = {}
        self.history = None
        self._caches = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__ and cls.__doc__:  # the options' help, written once, read by help() too
            cls.__doc__ = cls.__doc__.rstrip() + "\n\n" + options_doc(cls)

    def __repr__(self):
        args = ", ".join(f"{key}={value!r}" for key, value in self.config.items())
        return f"{type(self).__name__}({args})"

    @property
    def cli_name(self):
        return registry.name_of(type(self).__name__)

    # ----------------------------------------------------------------- configuration
    def get_params(self, deep=True):
        """The constructor's arguments, as a new dict (`deep` is scikit-learn's: a task holds no
        estimators of its own, so it changes nothing)."""
        return copy.deepcopy(self.config)

    def set_params(self, **params):
        """Change constructor arguments, checked as the constructor checks them; returns the task.

        A trained model keeps its weights: the new values apply to the next `fit` (and to
        decoding settings such as max_length at once).
        """
        known = set(self.config)
        unknown = sorted(set(params) - known)
        if unknown:
            raise DeeptoolkitError(f"{type(self).__name__} has no parameter {', '.join(unknown)}. Expected one of "
                                   f"{', '.join(sorted(known))}. Received: {', '.join(f'{k}={params[k]!r}' for k in unknown)}")
        self.config = type(self)(**{**self.config, **params}).config
        self._caches.clear()
        return self

    def draw_evaluation(self, metrics, folder):
        """Write the figures of evaluate()'s `metrics` into `folder`; returns their paths."""
        return []

    def held_out_summary(self, metrics):
        """One line saying how the trained model scored on what training held out."""
        if self.held_out_line:
            return self.held_out_line.format(**metrics)
        scores = ", ".join(f"{name} {value:.4f}" for name, value in metrics.items() if isinstance(value, float))
        return f"held-out {metrics.get('split', 'data')}: {scores}"

    # ----------------------------------------------------------------- for subclasses
    def _training_data(self, run):
        """Return TrainingData for `run.data`; also set learned data state (vocabularies, classes)."""
        raise NotImplementedError

    def _build_model(self, run):
        """Return the uncompiled Keras model (called inside strategy and precision scopes)."""
        raise NotImplementedError

    def _compile_arguments(self, run, total_steps):
        """Return keyword arguments for `keras.Model.compile`: optimizer, loss, metrics."""
        raise NotImplementedError

    def _check_config(self):
        """Raise DeeptoolkitError if the constructor arguments cannot work (subclasses extend it)."""
        from deeptoolkit import runtime

        config = self.config
        for option, _ in declared_options(type(self)):
            option.check(config.get(option.name))
        runtime.check_settings(config.get("precision", "auto"), config.get("distribute"), config.get("jit_compile", "auto"),
                               config.get("seed"))

    def _callbacks(self, run, training):
        """The task's own callbacks, before early stopping (which may watch what they log)."""
        return []

    def _early_stopping(self, run, training=None):
        """What early stopping watches: {monitor: a log name, mode: "min" or "max", start: epochs
        trained before it watches (and may restore) the best epoch}."""
        validated = training is not None and training.validation is not None
        return {"monitor": "val_loss" if validated else "loss", "mode": "min", "start": 0}

    # ----------------------------------------------------------------- training
    def fit(self, data=None, labels=None, *, epochs=None, batch_size=None, resume=False, checkpoint_dir=None,
            tensorboard=None, callbacks=None, verbose="auto", download=False, **options):
        """Train on `data` and return the task itself (the Keras history is on `.history`).

        Args:
            data: what the task reads (see the task class); None means its embedded data set.
            labels: targets, when `data` is an array of inputs (tasks with `takes_labels`).
            epochs, batch_size: override the constructor's values for this run.
            resume: continue an interrupted run from the last completed epoch saved in
                `checkpoint_dir` (needs `checkpoint_dir`).
            checkpoint_dir: folder for per-epoch backups; they are removed once training
                finishes, so a folder with a backup in it means the run was interrupted.
            tensorboard: folder for TensorBoard logs, or None.
            callbacks: extra Keras callbacks, run after the task's own.
            verbose: Keras's progress output ("auto", 0, 1 or 2).
            download: let "tfds:NAME" download and prepare a data set not yet on this machine
                (the names of `deeptoolkit data list` download on first use regardless).
            **options: the task's own fit arguments (`fit_options`), e.g. FaceVerifier's people.
        """
        with tfds_source.downloads_allowed(download):
            self._fit(self._new_run(data, labels, epochs=epochs, batch_size=batch_size, resume=resume, checkpoint_dir=checkpoint_dir,
                                    tensorboard=tensorboard, callbacks=callbacks, verbose=verbose, **options))
        return self

    def _new_run(self, data, labels, epochs=None, batch_size=None, resume=False, checkpoint_dir=None, tensorboard=None,
                 callbacks=None, verbose="auto", **options):
        """The Run of a fit call, its arguments checked."""
        names = [option.name for option in self.fit_options]
        unknown = sorted(set(options) - set(names))
        if unknown:
            expected = ", ".join(names) or "none besides the shared ones"
            raise DeeptoolkitError(f"{type(self).__name__}.fit takes no argument {', '.join(unknown)} (task arguments: "
                                   f"{expected}). Received: {', '.join(f'{k}={options[k]!r}' for k in unknown)}")
        if labels is not None and not self.takes_labels:
            raise DeeptoolkitError(f"{type(self).__name__} reads its targets from its data; labels are not taken. "
                                   f"Received: labels of type {type(labels).__name__}")
        if resume and checkpoint_dir is None:
            raise DeeptoolkitError("resume=True needs the checkpoint_dir of the interrupted run. Received: checkpoint_dir=None")
        self._check_config()
        if catalog.known(data):  # a standard data set by name: downloaded into the cache on first use
            data = catalog.get(data)
        run = Run(data=data, labels=labels, epochs=self.config.get("epochs") if epochs is None else epochs,
                  batch_size=self.config.get("batch_size") if batch_size is None else batch_size, verbose=verbose,
                  seed=self.config.get("seed"), options={name: options.get(name) for name in names},
                  resume=resume, checkpoint_dir=checkpoint_dir, tensorboard=tensorboard, callbacks=list(callbacks or []))
        check_positive_int("batch_size", run.batch_size)
        return run

    def training_pipelines(self, data=None, labels=None, batch_size=None, **options):
        """The TrainingData `fit` would train on (batched tf.data pipelines), to inspect or time
        them; like fit, it sets the learned data state (vocabularies, class names)."""
        return self._training_data(self._new_run(data, labels, batch_size=batch_size, **options))

    def _fit(self, run):
        try:
            self._train(run)
        finally:
            self._caches.clear()

    def _train(self, run):
        """Train one model for `run`, keep it, and return the TrainingData it trained on (a task
        that restarts calls this once per attempt)."""
        from deeptoolkit import runtime
        from deeptoolkit.tasks.divergence import LossBecameNonFinite, NonFiniteLossGuard, diverged_message
        from deeptoolkit.tasks.run_callbacks import standard_callbacks

        check_positive_int("epochs", run.epochs)
        # First: a multi-worker strategy can only be created before TensorFlow runs anything.
        strategy = runtime.get_strategy(self.config.get("distribute"))
        if self.config.get("distribute") == "multiworker" and run.seed is None:
            # Workers shard one shuffled order between them, so they must shuffle alike.
            log.warning("distribute='multiworker' with seed=None: every worker uses seed=0 so that they shuffle alike")
            self.config["seed"] = run.seed = 0
        precision = runtime.resolve_precision(self.config.get("precision", "auto"), bfloat16_on_cpu=self.bfloat16_on_cpu)
        if self.config.get("precision", "auto") == "auto":
            log.info("precision auto: %s", precision)
        runtime.set_seed(run.seed)

        training = self._training_data(run)
        self.state["precision"] = precision
        training.train, training.validation = runtime.shard_by_example(training.train), runtime.shard_by_example(training.validation)
        jit_compile = runtime.resolve_jit_compile(self.config.get("jit_compile", "auto"), xla_on_cpu=self.xla_on_cpu,
                                                  distribute=self.config.get("distribute"))

        def compile_for(epochs):  # inside the strategy's scope
            arguments = self._compile_arguments(run, total_steps=total_steps(training.steps_per_epoch, epochs))
            arguments["optimizer"] = runtime.wrap_optimizer(arguments["optimizer"], precision)
            model.compile(jit_compile=jit_compile, **arguments)

        with strategy.scope():
            with runtime.precision_scope(precision):
                model = self._build_model(run)
            if run.initial_weights is not None:
                model.set_weights(run.initial_weights)
            compile_for(run.epochs)
        runtime.prepare_model(model)

        guard = NonFiniteLossGuard()
        callbacks = [guard] + self._callbacks(run, training) + standard_callbacks(self, run, training) + run.callbacks
        train, steps_per_epoch = one_iterator_for_all_epochs(training.train)

        def fit(first_epoch, last_epoch):
            try:
                return model.fit(train, steps_per_epoch=steps_per_epoch, validation_data=training.validation, initial_epoch=first_epoch,
                                 epochs=last_epoch, callbacks=callbacks, verbose=run.verbose,
                                 shuffle=False).history  # the pipeline already shuffles, with the seed
            except LossBecameNonFinite as error:
                guard.restore()
                self.model = model
                raise TrainingDivergedError(diverged_message(error, guard, run.checkpoint_dir)) from None

        history = fit(0, run.epochs)
        epochs_done = len(next(iter(history.values()), []))
        phase = fine_tuning.second_phase(self, model, epochs_done)
        if phase is not None:  # open the pretrained encoder and go on at a lower rate
            backbone, epochs, factor = phase
            fine_tuning.unfreeze(backbone)
            log.info("fine-tuning the backbone for %d epochs at %g x the learning rate", epochs, factor)
            with strategy.scope(), fine_tuning.scaled_learning_rate(self.config, factor):
                compile_for(epochs)
            more = fit(epochs_done, epochs_done + epochs)
            history = {name: values + more.get(name, []) for name, values in history.items()}
        self.model = model
        self.history = {name: [float(v) for v in values] for name, values in history.items()}
        self._caches.clear()
        return training

    def _validation_split(self, labels):
        """(kept, held) indices of the validation part, or None when validation_split is 0.

        Fit and evaluate both cut it here, with a seed fixed by the config (not by restarts),
        so that evaluate() scores exactly the examples fit held out.
        """
        from deeptoolkit.data.splits import stratified_split

        fraction = self.config.get("validation_split", 0)
        if not fraction:
            return None
        if len(labels) - math.ceil(len(labels) * fraction) < 1:
            log.warning("validation_split=%s of %d examples would leave none to train on: training on all of them, "
                        "without validation", fraction, len(labels))
            return None
        seed = self.config.get("seed")
        return stratified_split(labels, fraction, 0 if seed is None else seed)

    # ----------------------------------------------------------------- evaluation without data
    def _no_held_out_split(self, reason):
        """The error of evaluate() without data when there is nothing held out to score."""
        return DeeptoolkitError(f"evaluate() without data scores what training held out, and this {type(self).__name__} "
                                f"has nothing held out: {reason}. Pass data to evaluate(). Received: data=None")

    def _training_spec(self):
        """Where the training data came from (saved with the model), to find its held-out part."""
        spec = self.state.get("data")
        if spec is None:
            raise self._no_held_out_split(NOT_SAVED)
        return spec

    def _held_out_indices(self, labels):
        """Indices of the examples training held out (`_validation_split`'s second part)."""
        split = self._validation_split(labels)
        if split is None:
            raise self._no_held_out_split(NOTHING_HELD_OUT)
        return split[1]

    # ----------------------------------------------------------------- inference
    def _require_fitted(self):
        if self.model is None:
            raise NotFittedError(
                f"This {type(self).__name__} has no trained model yet: call fit() or deeptoolkit.load() first."
            )

    def _cached(self, name, build):
        """What `build()` returns, built once per trained model (cleared by fit, load and set_params)."""
        if name not in self._caches:
            self._caches[name] = build()
        return self._caches[name]

    # ----------------------------------------------------------------- saving
    def export(self, path):
        """Write a TensorFlow SavedModel of the trained network to the folder `path` (for
        `tf.saved_model.load` and TF Serving; endpoint `serve`) and return `path`. Tasks whose
        answers come from a decoding loop or a story encoding, not one network call, are not
        exported: they say so."""
        from deeptoolkit import saving

        self._require_fitted()
        model, what = self._exported_model()
        if model is None:
            raise DeeptoolkitError(f"{type(self).__name__} is not exported as a SavedModel: {what}. Only ImageClassifier "
                                   "(class probabilities) and FaceVerifier (face embeddings) are; serve it with `deeptoolkit serve`")
        return saving.write_saved_model(model, path)

    def _exported_model(self):
        """(the Keras model to export, None) or (None, why not)."""
        return None, "its answers come from more than one call of its network"

    def save(self, path):
        """Write config, learned state, history and weights to one file at `path`.

        In a multi-worker run only the chief writes; the other workers return `path` unwritten.
        """
        from deeptoolkit import runtime, saving

        self._require_fitted()
        if not runtime.is_chief():
            log.info("%s is not the chief: the chief writes %s", multiworker.worker_name(), os.fspath(path))
            return os.fspath(path)
        meta = {"task": type(self).__name__, "config": self.config, "state": self.state, "history": self.history}
        return saving.write_artifact(path, meta, self.model)

    @classmethod
    def load(cls, path):
        """Load a saved task; on a subclass, the file must hold that task."""
        from deeptoolkit import saving

        meta = saving.read_meta(path)
        name = meta.get("task")
        task_class = registry.task_class(name) if isinstance(name, str) else None
        if task_class is None:
            raise ModelFileError(f"This file holds an unknown task. Expected one of {sorted(registry.TASKS.values())}. "
                                 f"Received: task={str(name)[:80]!r} in path={os.fspath(path)!r}")
        if cls is not Task and not issubclass(task_class, cls):
            raise ModelFileError(f"Expected a saved {cls.__name__}. Received: task={name!r} in path={os.fspath(path)!r}")
        for key, kinds in (("config", dict), ("state", dict), ("history", (dict, type(None)))):
            if not isinstance(meta.get(key, {}), kinds):
                raise ModelFileError(f"The saved {key} is a {type(meta[key]).__name__}, not a mapping. Received: "
                                     f"path={os.fspath(path)!r}")
        try:
            task = task_class(**meta.get("config", {}))
        except (TypeError, DeeptoolkitError) as error:
            raise ModelFileError(f"The saved config does not fit {name} ({error}). Received: path={os.fspath(path)!r}") from None
        task.state = meta.get("state", {})
        task.history = meta.get("history")
        task.model = saving.read_model(path)
        return task


def arguments(local_variables):
    """A constructor's arguments as a config dict, from its `locals()` taken first thing."""
    return {name: value for name, value in local_variables.items() if name not in ("self", "__class__")}


def load(path):
    """Load any saved task and return an instance of the right task class."""
    return Task.load(path)
