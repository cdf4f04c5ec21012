"""deeptoolkit translator train | evaluate | predict | translate"""

import click

from deeptoolkit.cli.common import (
    evaluation_options,
    none_for,
    print_metrics,
    runtime_arguments,
    task_class,
    task_option,
    train_save_score,
    training_options,
)
from deeptoolkit.cli.errors import friendly_errors

TASK = "translator"
beam_option = click.option("--beam", type=click.IntRange(min=1), default=None, help="Beam width (default: greedy).")


@click.group(TASK)
def group():
    """Encoder-decoder RNN with attention: translate sentences."""


@group.command("train")
@training_options
@task_option(TASK, "attention", type=click.Choice(["additive", "dot", "none"]), callback=none_for("none"),
             help="none: the plain encoder-decoder, for comparison.")
@task_option(TASK, "units", type=click.IntRange(min=1), help="GRU units.")
@task_option(TASK, "max_length", type=click.IntRange(min=1), help="Longest sentence in tokens.")
@task_option(TASK, "reverse", help="Translate from the second column to the first.")
@friendly_errors
def train(training, **network):
    """Train on --data (a Tatoeba/Anki file; default: the generated phrasebook) and save OUT/model.dtk."""
    translator = task_class(TASK)(**network, **runtime_arguments(training))
    metrics = train_save_score(translator, training)
    click.echo(f"held-out {metrics['split']} BLEU-4 (greedy): {metrics['bleu']:.4f} ({metrics['pairs']} pairs)")


@group.command("evaluate")
@evaluation_options("Pairs to score (default: the pairs held out in training).")
@beam_option
@friendly_errors
def evaluate(model, data, batch_size, as_json, beam):
    """Corpus BLEU-4 and token accuracy of MODEL."""
    print_metrics(task_class(TASK).load(model).evaluate(data, beam=beam, batch_size=batch_size), as_json)


@group.command("predict")
@click.argument("model")
@click.argument("sentences_file", type=click.Path(exists=True, dir_okay=False))
@beam_option
@friendly_errors
def predict(model, sentences_file, beam):
    """Translate every line of SENTENCES_FILE: one line out per sentence, source<TAB>translation."""
    from deeptoolkit.data.parallel import read_sentences

    sentences = read_sentences(sentences_file)
    for sentence, translation in zip(sentences, task_class(TASK).load(model).predict(sentences, beam=beam)):
        click.echo(f"{sentence}\t{translation}")


@group.command("translate")
@click.argument("model")
@click.argument("sentence")
@beam_option
@click.option("--attention-map", type=click.Path(dir_okay=False), default=None, help="Write the source-target heatmap PNG.")
@friendly_errors
def translate(model, sentence, beam, attention_map):
    """Translate SENTENCE; the translation alone on the first line."""
    from deeptoolkit import plots as figures

    translator = task_class(TASK).load(model)
    click.echo(translator.translate(sentence, beam=beam))
    if attention_map:
        weights = translator.attention(sentence, beam=beam)
        path = figures.translation_attention(weights["source"], weights["target"], weights["weights"], attention_map, sentence)
        click.echo(f"wrote {path}")
