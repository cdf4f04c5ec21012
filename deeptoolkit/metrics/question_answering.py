"""Question-answering scores: accuracy and error overall and per task (bAbI file), tasks failed
by bAbI's 5% rule, and accuracy per kind of "where is X" question (`story_world.KINDS`)."""

import numpy as np

from deeptoolkit.data import story_world


def answer_scores(questions, correct, split, **counts):
    """The scores of `questions` (parsed bAbI questions) answered right where `correct` (a bool
    array) is True; `split` and `counts` (e.g. unseen_answers=3) are reported as given."""
    per_task = {}
    for task in sorted({q.task for q in questions}):
        mask = np.array([q.task == task for q in questions])
        accuracy = float(correct[mask].mean())
        per_task[task] = {"accuracy": accuracy, "error": 1.0 - accuracy, "questions": int(mask.sum())}
    accuracy = float(correct.mean())
    scores = {
        "accuracy": accuracy,
        "error": 1.0 - accuracy,
        "questions": int(len(questions)),
        "split": split,
        "per_task": per_task,
        "failed_tasks": sum(1 for task_scores in per_task.values() if task_scores["error"] > 0.05),
        **counts,
    }
    kinds = np.array([story_world.question_kind(q.story, q.question) or "" for q in questions])
    if (kinds != "").any():
        scores["per_kind"] = {kind: {"accuracy": float(correct[kinds == kind].mean()), "questions": int((kinds == kind).sum())}
                              for kind in story_world.KINDS if (kinds == kind).any()}
    return scores
