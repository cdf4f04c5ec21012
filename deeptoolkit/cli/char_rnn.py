"""deeptoolkit char-rnn train | evaluate | predict | generate | map"""

import json

import click

from deeptoolkit.cli import common
from deeptoolkit.cli.errors import friendly_errors

TASK = "char-rnn"


@click.group(TASK)
def group():
    """LSTM language model of characters (or words, --unit word): learn a text, write more like it."""


@group.command("train")
@common.training_options
@common.task_option(TASK, "unit", type=click.Choice(["char", "word"]), help="Predict the next character or the next word.")
@common.task_option(TASK, "sequence_length", type=click.IntRange(min=1), help="Characters (words) per training window.")
@common.task_option(TASK, "units", type=click.IntRange(min=1), help="LSTM units per layer.")
@common.task_option(TASK, "layers", type=click.IntRange(min=1), help="Stacked LSTM layers.")
@common.task_option(TASK, "dropout", type=click.FloatRange(0, 1, max_open=True), help="Between the LSTMs.")
@common.task_option(TASK, "tie_embeddings", type=click.BOOL, show_default="tied for words",
                    help="Whether the output layer reads the input embedding (true/false).")
@friendly_errors
def train(training, **network):
    """Train on --data (a UTF-8 file or folder, tfds:NAME; default: Python's own help texts) and save OUT/model.dtk."""
    _, metrics = common.train(TASK, training, network)
    unit = "word" if "bits_per_word" in metrics else "character"
    click.echo(f"held-out {metrics['split']} loss: {metrics['loss']:.4f} nats/{unit}, {metrics[f'bits_per_{unit}']:.4f} bits/{unit}, "
               f"perplexity {metrics['perplexity']:.2f}")


common.evaluate_command(group, TASK, "Loss in nats per character, bits per character and perplexity of MODEL.",
                        "Text to score (default: the held-out end of the training text).")


@group.command("predict")
@click.argument("model")
@click.argument("texts", nargs=-1, required=True)
@common.top_k_option(5, "Characters shown per text.")
@friendly_errors
def predict(model, texts, top_k):
    """The most likely next characters after each TEXT: TEXT<TAB>char<TAB>probability..."""
    for text, ranked in zip(texts, common.task_class(TASK).load(model).predict(list(texts), top_k=top_k)):
        click.echo(f"{text}\t" + "\t".join(f"{json.dumps(char)}\t{p:.4f}" for char, p in ranked))


@group.command("generate")
@click.argument("model")
@click.option("--prime", default="\n", help="Text to start from (default: a new line).")
@click.option("--length", type=int, default=500, show_default=True, help="Characters to write.")
@click.option("--temperature", type=float, default=1.0, show_default=True, help="0 = always the most likely character.")
@click.option("--top-k", type=int, default=None, help="Sample among the k most likely characters only.")
@click.option("--top-p", type=float, default=None, help="Sample among the most likely characters holding probability p.")
@click.option("--seed", type=int, default=None, help="The same seed writes the same text.")
@friendly_errors
def generate(model, prime, length, temperature, top_k, top_p, seed):
    """Write --length characters after --prime; prints the prime and what follows."""
    text = common.task_class(TASK).load(model).generate(prime, length, temperature=temperature, top_k=top_k, top_p=top_p, seed=seed)
    click.echo(prime + text)


@group.command("map")
@click.argument("model")
@click.option("--out", type=click.Path(dir_okay=False), default="words.png", show_default=True, help="The PNG to write.")
@click.option("--words", type=click.IntRange(min=5), default=200, show_default=True, help="Map the most frequent words.")
@click.option("--nearest", multiple=True, help="Also print the 10 nearest words of this word (repeatable).")
@friendly_errors
def word_map(model, out, words, nearest):
    """Draw a 2-D t-SNE of the word vectors of a word-level MODEL (--unit word), labelled."""
    writer = common.task_class(TASK).load(model)
    click.echo(f"wrote {writer.draw_word_map(out, words=words)}")
    for word in nearest:
        click.echo(f"{word}\t" + "\t".join(f"{other} {similarity:.2f}" for other, similarity in writer.nearest_words(word)))
