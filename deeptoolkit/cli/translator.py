"""deeptoolkit translator train | evaluate | predict | translate | map"""

import click

from deeptoolkit.cli import common
from deeptoolkit.cli.errors import friendly_errors
from deeptoolkit.errors import DeeptoolkitError

TASK = "translator"


@click.group(TASK)
def group():
    """Encoder-decoder RNN with attention: translate sentences."""


@group.command("train")
@common.training_options
@common.task_option(TASK, "attention", type=click.Choice(["additive", "dot", "none"]), callback=common.none_for("none"),
                    help="none: the plain encoder-decoder, for comparison.")
@common.task_option(TASK, "units", type=click.IntRange(min=1), help="GRU units.")
@common.task_option(TASK, "max_length", type=click.IntRange(min=1), help="Longest sentence in tokens.")
@common.task_option(TASK, "reverse", help="Translate from the second column to the first.")
@friendly_errors
def train(training, **network):
    """Train on --data (a Tatoeba/Anki file; default: the generated phrasebook) and save OUT/model.dtk."""
    _, metrics = common.train(TASK, training, network)
    click.echo(f"held-out {metrics['split']} BLEU-4 (greedy): {metrics['bleu']:.4f} ({metrics['pairs']} pairs)")


common.evaluate_command(group, TASK, "Corpus BLEU-4 and token accuracy of MODEL.",
                        "Pairs to score (default: the pairs held out in training).", common.beam_option)


@group.command("predict")
@click.argument("model")
@click.argument("sentences_file", type=click.Path(exists=True, dir_okay=False))
@common.beam_option
@friendly_errors
def predict(model, sentences_file, beam):
    """Translate every line of SENTENCES_FILE: one line out per sentence, source<TAB>translation."""
    from deeptoolkit.data.parallel import read_sentences

    sentences = read_sentences(sentences_file)
    for sentence, translation in zip(sentences, common.task_class(TASK).load(model).predict(sentences, beam=beam)):
        click.echo(f"{sentence}\t{translation}")


@group.command("translate")
@click.argument("model")
@click.argument("sentence")
@common.beam_option
@click.option("--attention-map", type=click.Path(dir_okay=False), default=None, help="Write the source-target heatmap PNG.")
@friendly_errors
def translate(model, sentence, beam, attention_map):
    """Translate SENTENCE; the translation alone on the first line."""
    from deeptoolkit import plots as figures

    translator = common.task_class(TASK).load(model)
    click.echo(translator.translate(sentence, beam=beam))
    if attention_map:
        weights = translator.attention(sentence, beam=beam)
        path = figures.translation_attention(weights["source"], weights["target"], weights["weights"], attention_map, sentence)
        click.echo(f"wrote {path}")


@group.command("map")
@click.argument("model")
@click.argument("sentences_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", type=click.Path(dir_okay=False), default="phrases.png", show_default=True, help="The PNG to write.")
@click.option("--nearest", type=click.IntRange(min=0), default=0, help="Also print each sentence's this many nearest others.")
@friendly_errors
def phrase_map(model, sentences_file, out, nearest):
    """Draw a 2-D t-SNE of how MODEL's encoder sums up each line of SENTENCES_FILE, labelled."""
    from deeptoolkit.data.parallel import read_sentences

    sentences = read_sentences(sentences_file)
    if not sentences:
        raise DeeptoolkitError(f"Expected sentences to map, one per line. Received: an empty file {sentences_file!r}")
    translator = common.task_class(TASK).load(model)
    click.echo(f"wrote {translator.draw_sentence_map(sentences, out)}")
    for sentence in sentences if nearest else []:
        ranked = translator.nearest_sentences(sentence, sentences, k=nearest)
        click.echo(f"{sentence}\t" + "\t".join(f"{other} ({similarity:.2f})" for other, similarity in ranked))
