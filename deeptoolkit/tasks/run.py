"""One call of `fit` as the task hooks see it (`Run`), what a task's data preparation hands back
(`TrainingData`), and how its batches are laid out over the epochs."""

import dataclasses


@dataclasses.dataclass
class Run:
    """One call of `fit`, as every hook of a task sees it."""

    data: object = None
    labels: object = None
    epochs: int = None
    batch_size: int = None
    verbose: object = "auto"
    seed: int = None  # of this attempt: a task that restarts varies it
    # The task's own fit arguments (`Task.fit_options`), and settings a task varies per attempt.
    options: dict = dataclasses.field(default_factory=dict)
    initial_weights: list = None  # train on from these (fine-tuning) instead of a fresh initialisation
    resume: bool = False
    checkpoint_dir: object = None
    tensorboard: object = None
    callbacks: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class TrainingData:
    """What a task's data preparation hands to `fit`: batched pipelines, their size, and anything
    else the task's hooks read during this fit (held-out pairs to score, ...)."""

    train: object
    validation: object = None
    steps_per_epoch: int = None
    extras: dict = dataclasses.field(default_factory=dict)


def one_iterator_for_all_epochs(dataset):
    """(dataset, steps_per_epoch) for `model.fit`, so that one iterator serves every epoch.

    Given a pipeline of known length, Keras opens a new iterator on it every epoch and drops
    the old one, and dropping an iterator waits for tf.data's autotuning thread to wake up (up
    to a second per epoch). Repeated, with the epoch
    length stated, the one iterator lives through the whole fit; each pass of `repeat` iterates
    the pipeline afresh, as a new iterator would. A multi-worker run splits each of these
    global batches between the workers, so its epoch has the same number of steps. Pipelines of
    unknown length are left as they are.
    """
    batches = int(dataset.cardinality())
    if batches <= 0:
        return dataset, None
    return dataset.repeat(), batches


def total_steps(steps_per_epoch, epochs):
    return None if steps_per_epoch is None else int(steps_per_epoch) * int(epochs)
