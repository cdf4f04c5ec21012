"""MemNN's restarts: train several times and keep the best run, or answer with their average.

The paper picked the best of 10 runs by training error; bAbI's held-out questions (100 per task
on 1k) are too few to rank runs a point or two apart, so averaging the runs' answer
distributions does better there (benchmarks/README.md, "MemNN"). With several linear-start
lengths, each length is trained `restarts` times, and the best by validation is kept.
"""

import dataclasses

import keras
import numpy as np

from deeptoolkit import runtime
from deeptoolkit.models.memn2n import averaged


@dataclasses.dataclass
class Candidate:
    """A trained reader that may be kept: its score (higher is better) and what to keep."""

    score: tuple
    model: object
    history: dict
    state: dict
    linear_start: int


def train_restarts(task, run, linear_starts):
    """Train `task` for each linear start, `restarts` times each, and keep the best candidate
    (the first of equals: the earlier run or linear start). Sets the task's model, history and
    state; `run.seed` is varied per attempt (seed + 1000 x attempt)."""
    restarts, candidates = task.config["restarts"], []
    for linear_start in linear_starts:
        runs = []
        for attempt in range(restarts):
            seed = None if run.seed is None else run.seed + 1000 * attempt
            attempt_run = dataclasses.replace(run, seed=seed, options={**run.options, "linear_start": linear_start})
            training = task._train(attempt_run)
            # Every attempt holds out the same validation questions, so scores compare.
            runs.append(Candidate(attempt_score(task, attempt_run), task.model, task.history, task.state, linear_start))
        if task.config["average_restarts"] and len(runs) > 1:
            runs = [average(task, runs, training.extras["scored"])]
        candidates.extend(runs)
    best = max(candidates, key=lambda candidate: candidate.score)
    task.model, task.history, task.state = best.model, best.history, dict(best.state, linear_start=best.linear_start)


def attempt_score(task, run):
    """Higher is better: the validation accuracy of the weights kept (the last epoch's, or early
    stopping's best), then the lower validation loss. The validation loss alone misleads here:
    it rises for many epochs while the accuracy still climbs. Without a validation split, the
    training accuracy (the paper's choice among its 10 runs)."""
    history = task.history
    accuracy, loss = ("val_accuracy", "val_loss") if history.get("val_accuracy") else ("accuracy", "loss")
    losses = history[loss]
    kept = len(losses) - 1
    start = task._early_stopping(run)["start"]  # where early stopping began looking for its best epoch
    if task.config.get("patience") and start < len(losses):
        kept = start + int(np.argmin(losses[start:]))
    return history[accuracy][kept], -losses[kept]


def average(task, runs, scored):
    """One candidate made of several runs: a model answering with the mean of their answer
    distributions, scored (accuracy, then mean log-probability of the right answer) on the
    questions the runs were validated on, with the history of its best run."""
    encoding, questions, scored_on = scored
    members = []
    with runtime.precision_scope(runs[0].state["precision"]):
        for index, run in enumerate(runs):
            member = task._network(name=f"memn2n_run{index}")  # a functional model needs distinct names
            member.set_weights(run.model.get_weights())
            members.append(member)
    model = averaged(members)
    stories, asked, answers = encoding.encode(questions)
    probabilities = model.predict({"story": stories, "question": asked}, batch_size=256, verbose=0)
    # Keras's own functions, so the average is scored as single runs' val_accuracy and val_loss are.
    accuracy = float(np.mean(keras.metrics.sparse_categorical_accuracy(answers, probabilities)))
    loss = float(np.mean(keras.losses.sparse_categorical_crossentropy(answers, probabilities)))
    best = max(runs, key=lambda run: run.score)
    state = dict(best.state, average={"runs": len(runs), "accuracy": accuracy, "loss": loss, "scored_on": scored_on})
    return Candidate((accuracy, -loss), model, best.history, state, best.linear_start)
