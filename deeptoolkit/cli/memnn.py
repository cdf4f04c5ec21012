"""deeptoolkit memnn train | evaluate | predict | answer"""

import json

import click

from deeptoolkit.cli import common
from deeptoolkit.cli.errors import friendly_errors

TASK = "memnn"


@click.group(TASK)
def group():
    """End-to-end memory network: answer questions about a story (bAbI)."""


@group.command("train")
@common.training_options
@common.task_option(TASK, "hops", type=click.IntRange(min=1))
@common.task_option(TASK, "dim", type=click.IntRange(min=1), help="Embedding size.")
@common.task_option(TASK, "memory_size", type=click.IntRange(min=1), help="Sentences kept in memory.")
@common.task_option(TASK, "tying", type=click.Choice(["adjacent", "layerwise"]), help="Weights shared between hops.")
@common.task_option(TASK, "restarts", type=click.IntRange(min=1),
                    help="Train this many times from different initialisations; keep the best by validation accuracy.")
@common.task_option(TASK, "average_restarts", help="Keep every restart and answer with the mean of their answer distributions.")
@friendly_errors
def train(training, **network):
    """Train on --data (bAbI file(s) or folder; default: generated stories) and save OUT/model.dtk."""
    _, metrics = common.train(TASK, training, network)
    click.echo(f"held-out {metrics['split']} accuracy: {metrics['accuracy']:.4f} ({metrics['questions']} questions)")


@group.command("evaluate")
@common.evaluation_options("bAbI file(s) or folder to score (default: the held-out split).")
@click.option("--unseen-answers", type=click.Choice(["error", "wrong"]), default="error", show_default=True,
              help="A test answer never seen in training: stop with an error, or score it as wrong.")
@friendly_errors
def evaluate(model, data, batch_size, as_json, unseen_answers):
    """Accuracy and per-task error of MODEL."""
    metrics = common.task_class(TASK).load(model).evaluate(data, batch_size=batch_size, unseen_answers=unseen_answers)
    for task, scores in metrics["per_task"].items():
        click.echo(f"{task}: error {scores['error']:.4f} ({scores['questions']} questions)")
    common.print_metrics({k: v for k, v in metrics.items() if k != "per_task"}, False)
    if as_json:
        click.echo(json.dumps(metrics, separators=(",", ":")))


@group.command("predict")
@click.argument("model")
@click.argument("story_file")
@friendly_errors
def predict(model, story_file):
    """Answer every question of a bAbI STORY_FILE: one line per question, question<TAB>answer."""
    from deeptoolkit.data.babi import read_babi_file

    answers = common.task_class(TASK).load(model).predict(story_file)
    for question, answer in zip(read_babi_file(story_file), answers):
        click.echo(f"{' '.join(question.question)}\t{answer}")


@group.command("answer")
@click.argument("model")
@click.argument("question")
@click.option("--story", "story_file", required=True, type=click.Path(exists=True, dir_okay=False), help="Story: one sentence per line.")
@common.top_k_option(2, "Sentences shown per hop.")
@click.option("--attention-map", type=click.Path(dir_okay=False), default=None, help="Write a PNG of every hop's attention.")
@friendly_errors
def answer(model, question, story_file, top_k, attention_map):
    """Answer QUESTION about the story in --story; then the sentences each hop attended to."""
    from deeptoolkit import plots as figures

    with open(story_file, encoding="utf-8") as handle:
        story = handle.read()
    result = common.task_class(TASK).load(model).answer(story, question, top_k=top_k)
    click.echo(result["answer"])
    if result["unknown_words"]:
        click.echo(f"note: words unknown to the model (read as <unk>): {', '.join(result['unknown_words'])}")
    for hop, attended in enumerate(result["hops"], start=1):
        shown = "; ".join(f"{item['sentence']} ({item['weight']:.2f})" for item in attended)
        click.echo(f"hop {hop}: {shown}")
    if attention_map:
        title = f"{question} -> {result['answer']}"
        click.echo(f"wrote {figures.memory_attention(result['sentences'], result['attention'], attention_map, title)}")
