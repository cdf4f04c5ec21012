"""The `deeptoolkit` command: one click sub-group per task, each command a thin call into the library.

    deeptoolkit image-classifier train [--data PATH] [--epochs N] [--out DIR] ...
    deeptoolkit image-classifier evaluate MODEL [--data PATH] [--json] [--plots DIR]
    deeptoolkit image-classifier predict MODEL IMAGE... [--top-k K] [--json]
    deeptoolkit char-rnn train|evaluate|predict ...
    deeptoolkit char-rnn generate MODEL --prime TEXT --length N --temperature T [--seed N]
    deeptoolkit translator train|evaluate|predict ...
    deeptoolkit translator translate MODEL "a sentence" [--beam N] [--attention-map OUT.png]
    deeptoolkit captioner train|evaluate|predict ...
    deeptoolkit captioner caption MODEL IMAGE... [--beam N] [--attention-map OUT.png]
    deeptoolkit face-verifier train|evaluate|predict ...
    deeptoolkit face-verifier verify MODEL A.jpg B.jpg [--threshold T]
    deeptoolkit memnn train|evaluate|predict ...
    deeptoolkit memnn answer MODEL --story FILE "where is the ring ?"
    deeptoolkit info [--json]

Bad input ends with a one-line `Error: ...` and exit status 1, never a traceback. Anything
else is a bug: a short message says where to report it, with the full traceback saved to a
file it names, and the exit status is 70 (EX_SOFTWARE).
"""

import datetime
import functools
import json
import logging
import os
import tempfile
import traceback

import click

from deeptoolkit.errors import DeeptoolkitError

PRECISION_CHOICES = ["auto", "float32", "mixed_float16", "mixed_bfloat16"]


class InternalError(click.ClickException):
    """An error the toolkit did not expect: a bug, reported with where its traceback went."""

    exit_code = 70  # EX_SOFTWARE


def save_traceback(error):
    """Write the current exception's full traceback to a new file and return its path."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    handle, path = tempfile.mkstemp(prefix=f"deeptoolkit-crash-{stamp}-", suffix=".txt")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write("".join(traceback.format_exception(error)))
    return path


def friendly_errors(command):
    """Turn the library's errors (and unreadable paths) into click's one-line error, and
    anything unexpected into a bug report pointer with the traceback saved to a file."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except DeeptoolkitError as error:
            raise click.ClickException(str(error)) from None
        except OSError as error:
            raise click.ClickException(f"{error.strerror or error}: {error.filename or ''}".rstrip(": ")) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as error:  # noqa: BLE001 - the last line of defence: never a raw traceback
            path = save_traceback(error)
            raise InternalError(
                f"unexpected {type(error).__name__}: {error}. This is a bug in deeptoolkit; please report it on the "
                f"deeptoolkit issue tracker with the full traceback saved in {path} and the output of `deeptoolkit info`."
            ) from None

    return wrapper


def training_options(command):
    """The options every task's `train` shares (DESIGN.md's command line)."""
    options = [
        click.option("--data", default=None, help="Training data (default: the task's embedded data set)."),
        click.option("--epochs", type=click.IntRange(min=1), default=None, help="Number of epochs (default: the task's)."),
        click.option("--batch-size", type=click.IntRange(min=1), default=None, help="Global batch size."),
        click.option("--out", type=click.Path(file_okay=False), default=None, help="Run folder: model.dtk, checkpoints, history."),
        click.option("--precision", type=click.Choice(PRECISION_CHOICES), default="auto", show_default=True),
        click.option("--distribute", type=click.Choice(["mirrored", "multiworker"]), default=None,
                     help="tf.distribute strategy: mirrored (the GPUs of this machine) or multiworker (the machines TF_CONFIG names)."),
        click.option("--seed", type=int, default=None, help="Make the run repeatable (on CPU)."),
        click.option("--resume", is_flag=True, help="Continue an interrupted run in --out from its last completed epoch."),
        click.option("--tensorboard", type=click.Path(file_okay=False), default=None, help="Write TensorBoard logs here."),
        click.option("--plots", type=click.Path(file_okay=False), default=None, help="Write PNG figures here."),
    ]
    command = _chief_writes_plots(command)
    for option in reversed(options):
        command = option(command)
    return command


def _chief_writes_plots(command):
    """In a multi-worker run, only the chief writes figures (the model: see `Task.save`)."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from deeptoolkit.multiworker import chief_in_tf_config

        if kwargs.get("distribute") == "multiworker" and kwargs.get("plots"):
            try:
                if not chief_in_tf_config():
                    kwargs["plots"] = None
            except DeeptoolkitError:
                pass  # a bad TF_CONFIG: training reports it
        return command(*args, **kwargs)

    return wrapper


def _train_save_score(task, data, epochs, batch_size, out, resume, tensorboard, plots, fit_arguments=None,
                      evaluate_arguments=None):
    """What every `train` command does: fit with checkpoints in OUT, save OUT/model.dtk, score."""
    from deeptoolkit import plots as figures
    from deeptoolkit.multiworker import is_chief, worker_name

    out = out or os.path.join("runs", task.cli_name)
    task.fit(data, epochs=epochs, batch_size=batch_size, resume=resume, checkpoint_dir=os.path.join(out, "checkpoints"),
             tensorboard=tensorboard, **(fit_arguments or {}))
    click.echo(f"precision: {task.state['precision']}")
    if is_chief():
        click.echo(f"saved {task.save(os.path.join(out, 'model.dtk'))}")
    else:
        click.echo(f"{worker_name()} finished; the chief saves the model and plots")
    if plots:
        click.echo(f"wrote {figures.training_curves(task.history, os.path.join(plots, 'training_curves.png'))}")
    return task.evaluate(**(evaluate_arguments or {}))


def _print_metrics(metrics, as_json):
    """A readable summary; with --json, the whole dict as one JSON object on the last line."""
    for name, value in metrics.items():
        if isinstance(value, float):
            click.echo(f"{name}: {value:.4f}")
        elif isinstance(value, (int, str)):
            click.echo(f"{name}: {value}")
    if as_json:
        click.echo(json.dumps(metrics, separators=(",", ":")))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="deeptoolkit")
def main():
    """Deep learning's landmark applications, one command each."""
    logging.basicConfig(level=logging.WARNING, format="warning: %(message)s")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@friendly_errors
def info(as_json):
    """Versions, devices and what --precision auto resolves to here."""
    from deeptoolkit import runtime

    facts = runtime.describe()
    if as_json:
        click.echo(json.dumps(facts))
        return
    for name, value in facts.items():
        click.echo(f"{name}: {value}")


# ------------------------------------------------------------------ image-classifier
@main.group("image-classifier")
def image_classifier():
    """Convnet image classification (LeNet-5, ResNet)."""


@image_classifier.command("train")
@training_options
@click.option("--architecture", type=click.Choice(["lenet5", "resnet"]), default="lenet5", show_default=True)
@click.option("--depth", type=int, default=8, show_default=True, help="ResNet depth (6n + 2).")
@friendly_errors
def image_classifier_train(data, epochs, batch_size, out, precision, distribute, seed, resume, tensorboard, plots, architecture, depth):
    """Train on --data (default builtin:digits) and save OUT/model.dtk."""
    from deeptoolkit import ImageClassifier
    from deeptoolkit import plots as figures

    classifier = ImageClassifier(architecture=architecture, depth=depth, precision=precision, distribute=distribute, seed=seed)
    metrics = _train_save_score(classifier, data, epochs, batch_size, out, resume, tensorboard, plots)
    click.echo(f"held-out {metrics['split']} accuracy: {metrics['accuracy']:.4f} ({metrics['examples']} images)")
    if plots:
        path = os.path.join(plots, "confusion_matrix.png")
        click.echo(f"wrote {figures.confusion_matrix(metrics['confusion_matrix'], metrics['class_names'], path)}")


@image_classifier.command("evaluate")
@click.argument("model")
@click.option("--data", default=None, help="Data to score (default: the held-out split of the training data).")
@click.option("--json", "as_json", is_flag=True, help="Also print the metrics as one JSON object on the last line.")
@click.option("--plots", type=click.Path(file_okay=False), default=None, help="Write the confusion matrix PNG here.")
@friendly_errors
def image_classifier_evaluate(model, data, as_json, plots):
    """Accuracy, top-5 accuracy, per-class precision/recall of MODEL."""
    from deeptoolkit import ImageClassifier
    from deeptoolkit import plots as figures

    metrics = ImageClassifier.load(model).evaluate(data)
    if plots:
        figures.confusion_matrix(metrics["confusion_matrix"], metrics["class_names"], os.path.join(plots, "confusion_matrix.png"))
    _print_metrics(metrics, as_json)


@image_classifier.command("predict")
@click.argument("model")
@click.argument("images", nargs=-1, required=True)
@click.option("--top-k", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON list instead of lines.")
@friendly_errors
def image_classifier_predict(model, images, top_k, as_json):
    """Class of each IMAGE file, one line per image: IMAGE<TAB>label<TAB>probability."""
    from deeptoolkit import ImageClassifier

    predictions = ImageClassifier.load(model).predict(list(images), top_k=top_k)
    if as_json:
        click.echo(json.dumps([dict(image=image, **p) for image, p in zip(images, predictions)]))
        return
    for image, prediction in zip(images, predictions):
        ranked = "\t".join(f"{p['label']}\t{p['probability']:.4f}" for p in prediction["top_k"])
        click.echo(f"{image}\t{ranked}")


# ------------------------------------------------------------------ char-rnn
@main.group("char-rnn")
def char_rnn():
    """Character-level LSTM language model: learn a text, write more like it."""


@char_rnn.command("train")
@training_options
@click.option("--sequence-length", type=click.IntRange(min=1), default=None, help="Characters per training window (default 100).")
@click.option("--units", type=click.IntRange(min=1), default=None, help="LSTM units per layer (default 384).")
@click.option("--layers", type=click.IntRange(min=1), default=None, help="Stacked LSTM layers (default 2).")
@click.option("--dropout", type=click.FloatRange(0, 1, max_open=True), default=None, help="Between the LSTMs (default 0.2).")
@friendly_errors
def char_rnn_train(data, epochs, batch_size, out, precision, distribute, seed, resume, tensorboard, plots, **network):
    """Train on --data (a UTF-8 file or folder, tfds:NAME; default: Python's own help texts) and save OUT/model.dtk."""
    from deeptoolkit import CharRNN

    given = {name: value for name, value in network.items() if value is not None}  # the rest: the class's defaults
    writer = CharRNN(precision=precision, distribute=distribute, seed=seed, **given)
    metrics = _train_save_score(writer, data, epochs, batch_size, out, resume, tensorboard, plots)
    click.echo(f"held-out {metrics['split']} loss: {metrics['loss']:.4f} nats/char, {metrics['bits_per_character']:.4f} bits/char")


@char_rnn.command("evaluate")
@click.argument("model")
@click.option("--data", default=None, help="Text to score (default: the held-out end of the training text).")
@click.option("--json", "as_json", is_flag=True, help="Also print the metrics as one JSON object on the last line.")
@friendly_errors
def char_rnn_evaluate(model, data, as_json):
    """Loss in nats per character, bits per character and perplexity of MODEL."""
    from deeptoolkit import CharRNN

    _print_metrics(CharRNN.load(model).evaluate(data), as_json)


@char_rnn.command("predict")
@click.argument("model")
@click.argument("texts", nargs=-1, required=True)
@click.option("--top", type=click.IntRange(min=1), default=5, show_default=True)
@friendly_errors
def char_rnn_predict(model, texts, top):
    """The most likely next characters after each TEXT: TEXT<TAB>char<TAB>probability..."""
    from deeptoolkit import CharRNN

    for text, ranked in zip(texts, CharRNN.load(model).predict(list(texts), top=top)):
        click.echo(f"{text}\t" + "\t".join(f"{json.dumps(char)}\t{p:.4f}" for char, p in ranked))


@char_rnn.command("generate")
@click.argument("model")
@click.option("--prime", default="\n", help="Text to start from (default: a new line).")
@click.option("--length", type=int, default=500, show_default=True, help="Characters to write.")
@click.option("--temperature", type=float, default=1.0, show_default=True, help="0 = always the most likely character.")
@click.option("--top-k", type=int, default=None, help="Sample among the k most likely characters only.")
@click.option("--top-p", type=float, default=None, help="Sample among the most likely characters holding probability p.")
@click.option("--seed", type=int, default=None, help="The same seed writes the same text.")
@friendly_errors
def char_rnn_generate(model, prime, length, temperature, top_k, top_p, seed):
    """Write --length characters after --prime; prints the prime and what follows."""
    from deeptoolkit import CharRNN

    text = CharRNN.load(model).generate(prime, length, temperature=temperature, top_k=top_k, top_p=top_p, seed=seed)
    click.echo(prime + text)


# ------------------------------------------------------------------ translator
@main.group("translator")
def translator():
    """Encoder-decoder RNN with attention: translate sentences."""


@translator.command("train")
@training_options
@click.option("--attention", type=click.Choice(["additive", "dot", "none"]), default="additive", show_default=True,
              help="none: the plain encoder-decoder, for comparison.")
@click.option("--units", type=click.IntRange(min=1), default=None, help="GRU units (default 256).")
@click.option("--max-length", type=click.IntRange(min=1), default=None, help="Longest sentence in tokens (default 20).")
@click.option("--reverse", is_flag=True, help="Translate from the second column to the first.")
@friendly_errors
def translator_train(data, epochs, batch_size, out, precision, distribute, seed, resume, tensorboard, plots, attention, **network):
    """Train on --data (a Tatoeba/Anki file; default: the generated phrasebook) and save OUT/model.dtk."""
    from deeptoolkit import Translator

    given = {name: value for name, value in network.items() if value not in (None, False)}
    model = Translator(attention=None if attention == "none" else attention, precision=precision, distribute=distribute,
                       seed=seed, **given)
    metrics = _train_save_score(model, data, epochs, batch_size, out, resume, tensorboard, plots)
    click.echo(f"held-out {metrics['split']} BLEU-4 (greedy): {metrics['bleu']:.4f} ({metrics['pairs']} pairs)")


@translator.command("evaluate")
@click.argument("model")
@click.option("--data", default=None, help="Pairs to score (default: the pairs held out in training).")
@click.option("--beam", type=click.IntRange(min=1), default=None, help="Beam width (default: greedy).")
@click.option("--json", "as_json", is_flag=True, help="Also print the metrics as one JSON object on the last line.")
@friendly_errors
def translator_evaluate(model, data, beam, as_json):
    """Corpus BLEU-4 and token accuracy of MODEL."""
    from deeptoolkit import Translator

    _print_metrics(Translator.load(model).evaluate(data, beam=beam), as_json)


@translator.command("predict")
@click.argument("model")
@click.argument("sentences_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--beam", type=click.IntRange(min=1), default=None, help="Beam width (default: greedy).")
@friendly_errors
def translator_predict(model, sentences_file, beam):
    """Translate every line of SENTENCES_FILE: one line out per sentence, source<TAB>translation."""
    from deeptoolkit import Translator

    with open(sentences_file, encoding="utf-8") as handle:
        sentences = [line.strip() for line in handle if line.strip()]
    for sentence, translation in zip(sentences, Translator.load(model).translate(sentences, beam=beam)):
        click.echo(f"{sentence}\t{translation}")


@translator.command("translate")
@click.argument("model")
@click.argument("sentence")
@click.option("--beam", type=click.IntRange(min=1), default=None, help="Beam width (default: greedy).")
@click.option("--attention-map", type=click.Path(dir_okay=False), default=None, help="Write the source-target heatmap PNG.")
@friendly_errors
def translator_translate(model, sentence, beam, attention_map):
    """Translate SENTENCE; the translation alone on the first line."""
    from deeptoolkit import Translator
    from deeptoolkit import plots as figures

    translator_model = Translator.load(model)
    click.echo(translator_model.translate(sentence, beam=beam))
    if attention_map:
        weights = translator_model.attention(sentence, beam=beam)
        path = figures.translation_attention(weights["source"], weights["target"], weights["weights"], attention_map, sentence)
        click.echo(f"wrote {path}")


# ------------------------------------------------------------------ captioner
@main.group("captioner")
def captioner_group():
    """Convnet encoder and attending LSTM decoder: describe images in words."""


@captioner_group.command("train")
@training_options
@click.option("--attention", type=click.Choice(["additive", "none"]), default="additive", show_default=True,
              help="none: the Show and Tell baseline without attention.")
@click.option("--image-size", type=click.IntRange(min=32), default=None, help="Square input size in pixels (default 64).")
@click.option("--units", type=click.IntRange(min=1), default=None, help="LSTM units (default 256).")
@click.option("--min-count", type=click.IntRange(min=1), default=None, help="Keep words seen at least this often (default 3).")
@friendly_errors
def captioner_train(data, epochs, batch_size, out, precision, distribute, seed, resume, tensorboard, plots, attention, image_size,
                    **network):
    """Train on --data (a Flickr8k-style folder, caption file, or default: generated shapes scenes); save OUT/model.dtk."""
    from deeptoolkit import Captioner

    given = {name: value for name, value in network.items() if value is not None}
    if image_size:
        given["image_size"] = (image_size, image_size)
    model = Captioner(attention=None if attention == "none" else attention, precision=precision, distribute=distribute,
                      seed=seed, **given)
    metrics = _train_save_score(model, data, epochs, batch_size, out, resume, tensorboard, plots)
    click.echo(f"held-out {metrics['split']} BLEU-4 (greedy): {metrics['bleu4']:.4f} ({metrics['images']} images)")


@captioner_group.command("evaluate")
@click.argument("model")
@click.option("--data", default=None, help="Captioned images to score (default: the held-out images of training).")
@click.option("--beam", type=click.IntRange(min=1), default=None, help="Beam width (default: greedy).")
@click.option("--json", "as_json", is_flag=True, help="Also print the metrics as one JSON object on the last line.")
@friendly_errors
def captioner_evaluate(model, data, beam, as_json):
    """BLEU-1 to BLEU-4 of MODEL against every reference caption."""
    from deeptoolkit import Captioner

    _print_metrics(Captioner.load(model).evaluate(data, beam=beam), as_json)


@captioner_group.command("predict")
@click.argument("model")
@click.argument("images", nargs=-1, required=True)
@click.option("--beam", type=click.IntRange(min=1), default=None, help="Beam width (default: greedy).")
@friendly_errors
def captioner_predict(model, images, beam):
    """Caption IMAGES (files, or a folder of them): one line per image, path<TAB>caption."""
    from deeptoolkit import Captioner

    captioner_model = Captioner.load(model)
    paths = []
    for item in images:
        paths.extend(sorted(os.path.join(item, n) for n in os.listdir(item)) if os.path.isdir(item) else [item])
    from deeptoolkit.data.image_files import IMAGE_EXTENSIONS

    paths = [p for p in paths if not os.path.isdir(p) and (p in images or p.lower().endswith(IMAGE_EXTENSIONS))]
    for path, caption in zip(paths, captioner_model.predict(paths, beam=beam)):
        click.echo(f"{path}\t{caption}")


@captioner_group.command("caption")
@click.argument("model")
@click.argument("images", nargs=-1, required=True)
@click.option("--beam", type=click.IntRange(min=1), default=None, help="Beam width (default: greedy).")
@click.option("--attention-map", type=click.Path(dir_okay=False), default=None,
              help="Write the per-word attention figure PNG (one file per image: OUT.png, OUT-2.png, ...).")
@friendly_errors
def captioner_caption(model, images, beam, attention_map):
    """Caption each IMAGE; the caption alone on one line per image, the first image's first."""
    from deeptoolkit import Captioner
    from deeptoolkit import plots as figures

    captioner_model = Captioner.load(model)
    results = captioner_model.caption(list(images), beam=beam, return_attention=bool(attention_map))
    for result in results:
        click.echo(result["caption"] if attention_map else result)
    if attention_map:
        stem, extension = os.path.splitext(attention_map)
        for index, result in enumerate(results):
            target = attention_map if index == 0 else f"{stem}-{index + 1}{extension or '.png'}"
            written = figures.caption_attention(result["image"], result["words"], result["attention"], target, result["caption"])
            click.echo(f"wrote {written}")


# ------------------------------------------------------------------ memnn
@main.group("memnn")
def memnn():
    """End-to-end memory network: answer questions about a story (bAbI)."""


@memnn.command("train")
@training_options
@click.option("--hops", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--dim", type=click.IntRange(min=1), default=50, show_default=True, help="Embedding size.")
@click.option("--memory-size", type=click.IntRange(min=1), default=50, show_default=True, help="Sentences kept in memory.")
@click.option("--tying", type=click.Choice(["adjacent", "layerwise"]), default="adjacent", show_default=True,
              help="Weights shared between hops; layerwise did better on bAbI 10k.")
@click.option("--restarts", type=click.IntRange(min=1), default=1, show_default=True,
              help="Train this many times from different initialisations; keep the best by validation accuracy.")
@click.option("--average-restarts", is_flag=True, help="Keep every restart and answer with the mean of their answer distributions.")
@friendly_errors
def memnn_train(data, epochs, batch_size, out, precision, distribute, seed, resume, tensorboard, plots, hops, dim, memory_size, tying,
                restarts, average_restarts):
    """Train on --data (bAbI file(s) or folder; default: generated stories) and save OUT/model.dtk."""
    from deeptoolkit import MemNN

    reader = MemNN(hops=hops, dim=dim, memory_size=memory_size, tying=tying, restarts=restarts, average_restarts=average_restarts,
                   precision=precision, distribute=distribute, seed=seed)
    metrics = _train_save_score(reader, data, epochs, batch_size, out, resume, tensorboard, plots)
    click.echo(f"held-out {metrics['split']} accuracy: {metrics['accuracy']:.4f} ({metrics['questions']} questions)")


@memnn.command("evaluate")
@click.argument("model")
@click.option("--data", default=None, help="bAbI file(s) or folder to score (default: the held-out split).")
@click.option("--json", "as_json", is_flag=True, help="Also print the metrics as one JSON object on the last line.")
@click.option("--unseen-answers", type=click.Choice(["error", "wrong"]), default="error", show_default=True,
              help="A test answer never seen in training: stop with an error, or score it as wrong.")
@friendly_errors
def memnn_evaluate(model, data, as_json, unseen_answers):
    """Accuracy and per-task error of MODEL."""
    from deeptoolkit import MemNN

    metrics = MemNN.load(model).evaluate(data, unseen_answers=unseen_answers)
    for task, scores in metrics["per_task"].items():
        click.echo(f"{task}: error {scores['error']:.4f} ({scores['questions']} questions)")
    _print_metrics({k: v for k, v in metrics.items() if k != "per_task"}, False)
    if as_json:
        click.echo(json.dumps(metrics, separators=(",", ":")))


@memnn.command("predict")
@click.argument("model")
@click.argument("story_file")
@friendly_errors
def memnn_predict(model, story_file):
    """Answer every question of a bAbI STORY_FILE: one line per question, question<TAB>answer."""
    from deeptoolkit import MemNN
    from deeptoolkit.data.babi import read_babi_file

    answers = MemNN.load(model).predict(story_file)
    for question, answer in zip(read_babi_file(story_file), answers):
        click.echo(f"{' '.join(question.question)}\t{answer}")


@memnn.command("answer")
@click.argument("model")
@click.argument("question")
@click.option("--story", "story_file", required=True, type=click.Path(exists=True, dir_okay=False), help="Story: one sentence per line.")
@click.option("--top", type=click.IntRange(min=1), default=2, show_default=True, help="Sentences shown per hop.")
@click.option("--attention-map", type=click.Path(dir_okay=False), default=None, help="Write a PNG of every hop's attention.")
@friendly_errors
def memnn_answer(model, question, story_file, top, attention_map):
    """Answer QUESTION about the story in --story; then the sentences each hop attended to."""
    from deeptoolkit import MemNN
    from deeptoolkit import plots as figures

    with open(story_file, encoding="utf-8") as handle:
        story = handle.read()
    result = MemNN.load(model).answer(story, question, top=top)
    click.echo(result["answer"])
    if result["unknown_words"]:
        click.echo(f"note: words unknown to the model (read as <unk>): {', '.join(result['unknown_words'])}")
    for hop, attended in enumerate(result["hops"], start=1):
        shown = "; ".join(f"{item['sentence']} ({item['weight']:.2f})" for item in attended)
        click.echo(f"hop {hop}: {shown}")
    if attention_map:
        title = f"{question} -> {result['answer']}"
        click.echo(f"wrote {figures.memory_attention(result['sentences'], result['attention'], attention_map, title)}")


# ------------------------------------------------------------------ face-verifier
@main.group("face-verifier")
def face_verifier():
    """Face embeddings: is it the same person? (FaceNet / DeepID)"""


def _verification_plots(metrics, plots):
    from deeptoolkit import plots as figures

    click.echo(f"wrote {figures.verification_roc(metrics['distances'], metrics['same'], os.path.join(plots, 'roc.png'))}")
    path = os.path.join(plots, "distances.png")
    click.echo(f"wrote {figures.distance_histograms(metrics['distances'], metrics['same'], metrics['threshold'], path)}")


def _print_verification(metrics, as_json):
    shown = {k: v for k, v in metrics.items() if k not in ("distances", "same", "fold_accuracies", "fold_thresholds")}
    _print_metrics(shown, False)
    if as_json:
        click.echo(json.dumps({k: v for k, v in metrics.items() if k not in ("distances", "same")}, separators=(",", ":")))


@face_verifier.command("train")
@training_options
@click.option("--people", default=None, help='Train on these people only: "s1-s30" or "ann,bob".')
@click.option("--objective", type=click.Choice(["triplet", "softmax", "joint"]), default="softmax", show_default=True)
@click.option("--backbone", type=click.Choice(["resnet", "lenet5"]), default="resnet", show_default=True)
@click.option("--depth", type=int, default=14, show_default=True, help="ResNet depth (6n + 2).")
@click.option("--embedding-dim", type=click.IntRange(min=1), default=128, show_default=True)
@click.option("--crop", type=click.FloatRange(0, 1, min_open=True), default=1.0, show_default=True,
              help="Central fraction of each photo kept (about 0.5 for LFW).")
@click.option("--erasing", type=click.FloatRange(0, 1), default=1.0, show_default=True,
              help="Chance (drawn up to this) of covering a random patch of a training photo; 0: off.")
@friendly_errors
def face_verifier_train(data, epochs, batch_size, out, precision, distribute, seed, resume, tensorboard, plots, people, **network):
    """Train on --data (a folder of person folders; default: generated identities) and save OUT/model.dtk."""
    from deeptoolkit import FaceVerifier

    verifier = FaceVerifier(precision=precision, distribute=distribute, seed=seed, **network)
    metrics = _train_save_score(verifier, data, epochs, batch_size, out, resume, tensorboard, plots,
                                fit_arguments={"people": people}, evaluate_arguments={"return_distances": bool(plots)})
    click.echo(f"calibrated threshold: {verifier.threshold:.4f}")
    click.echo(f"held-out people: 10-fold accuracy {metrics['accuracy']:.4f} +- {metrics['accuracy_std']:.4f}, "
               f"AUC {metrics['auc']:.4f}, EER {metrics['eer']:.4f} ({metrics['pairs']} pairs of {metrics['people']} people)")
    if plots:
        _verification_plots(metrics, plots)


@face_verifier.command("evaluate")
@click.argument("model")
@click.option("--data", default=None, help="Photos to score (default: the people held out in training).")
@click.option("--pairs", "pairs_file", type=click.Path(dir_okay=False), default=None,
              help="LFW-format pairs.txt naming photos of --data (default: all genuine pairs and as many impostors).")
@click.option("--people", default=None, help='Only these people of --data: "s31-s40" or "ann,bob".')
@click.option("--json", "as_json", is_flag=True, help="Also print the metrics as one JSON object on the last line.")
@click.option("--plots", type=click.Path(file_okay=False), default=None, help="Write the ROC curve and distance histograms here.")
@friendly_errors
def face_verifier_evaluate(model, data, pairs_file, people, as_json, plots):
    """LFW 10-fold accuracy, ROC AUC, EER and VR at FAR 1e-3 of MODEL."""
    from deeptoolkit import FaceVerifier

    metrics = FaceVerifier.load(model).evaluate(data, pairs=pairs_file, people=people, return_distances=bool(plots))
    _print_verification(metrics, as_json)
    if plots:
        _verification_plots(metrics, plots)


@face_verifier.command("predict")
@click.argument("model")
@click.argument("images", nargs=-1, required=True)
@click.option("--output", type=click.Path(dir_okay=False), default=None, help="Write the embeddings to this .npy file.")
@friendly_errors
def face_verifier_predict(model, images, output):
    """Embeddings of IMAGES: one line per image (path, then the numbers), or an .npy with --output."""
    import numpy as np

    from deeptoolkit import FaceVerifier

    embeddings = FaceVerifier.load(model).embed(list(images))
    if output:
        np.save(output, embeddings)
        click.echo(f"wrote {output}: {embeddings.shape[0]} x {embeddings.shape[1]}")
        return
    for path, row in zip(images, embeddings):
        click.echo(f"{path}\t" + " ".join(f"{v:.5f}" for v in row))


@face_verifier.command("verify")
@click.argument("model")
@click.argument("first")
@click.argument("second")
@click.option("--threshold", type=float, default=None, help="Distance threshold to use instead of the calibrated one.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@friendly_errors
def face_verifier_verify(model, first, second, threshold, as_json):
    """Are FIRST and SECOND photos of the same person? "same" or "different" on the first line."""
    from deeptoolkit import FaceVerifier

    result = FaceVerifier.load(model).verify(first, second, threshold=threshold)
    if as_json:
        click.echo(json.dumps(result))
        return
    click.echo("same" if result["same"] else "different")
    click.echo(f"distance: {result['distance']:.4f} (threshold {result['threshold']:.4f}), confidence: {result['confidence']:.3f}")


@face_verifier.command("identify")
@click.argument("model")
@click.argument("image")
@click.option("--gallery", required=True, type=click.Path(exists=True, file_okay=False), help="Folder of person folders.")
@click.option("--top-k", type=click.IntRange(min=1), default=5, show_default=True)
@friendly_errors
def face_verifier_identify(model, image, gallery, top_k):
    """The people of --gallery nearest to IMAGE, nearest first (person, distance, same)."""
    from deeptoolkit import FaceVerifier

    for match in FaceVerifier.load(model).identify(image, gallery, top_k=top_k):
        click.echo(f"{match['person']}\t{match['distance']:.4f}\t{'same' if match['same'] else 'different'}")


if __name__ == "__main__":
    main()
