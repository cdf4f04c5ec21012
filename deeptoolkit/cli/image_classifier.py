"""deeptoolkit image-classifier train | evaluate | predict | inspect"""

import json
import os

import click

from deeptoolkit.cli import common
from deeptoolkit.cli.errors import friendly_errors

TASK = "image-classifier"


@click.group(TASK)
def group():
    """Convnet image classification (LeNet-5, ResNet)."""


def _confusion_matrix(metrics, plots):
    from deeptoolkit import plots as figures

    path = os.path.join(plots, "confusion_matrix.png")
    click.echo(f"wrote {figures.confusion_matrix(metrics['confusion_matrix'], metrics['class_names'], path)}")


@group.command("train")
@common.training_options
@common.task_option(TASK, "architecture", type=click.Choice(["lenet5", "resnet"]))
@common.task_option(TASK, "depth", type=int, help="ResNet depth (6n + 2).")
@friendly_errors
def train(training, **network):
    """Train on --data (default builtin:digits) and save OUT/model.dtk."""
    _, metrics = common.train(TASK, training, network)
    click.echo(f"held-out {metrics['split']} accuracy: {metrics['accuracy']:.4f} ({metrics['examples']} images)")
    if training.plots:
        _confusion_matrix(metrics, training.plots)


@group.command("evaluate")
@common.evaluation_options("Data to score (default: the held-out split of the training data).")
@click.option("--plots", type=click.Path(file_okay=False), default=None, help="Write the confusion matrix PNG here.")
@friendly_errors
def evaluate(model, data, batch_size, as_json, plots):
    """Accuracy, top-5 accuracy, per-class precision/recall of MODEL."""
    metrics = common.task_class(TASK).load(model).evaluate(data, batch_size=batch_size)
    if plots:
        _confusion_matrix(metrics, plots)
    common.print_metrics(metrics, as_json)


@group.command("predict")
@click.argument("model")
@click.argument("images", nargs=-1, required=True)
@click.option("--top-k", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON list instead of lines.")
@friendly_errors
def predict(model, images, top_k, as_json):
    """Class of each IMAGE file, one line per image: IMAGE<TAB>label<TAB>probability."""
    predictions = common.task_class(TASK).load(model).predict(list(images), top_k=top_k)
    if as_json:
        click.echo(json.dumps([dict(image=image, **p) for image, p in zip(images, predictions)]))
        return
    for image, prediction in zip(images, predictions):
        ranked = "\t".join(f"{p['label']}\t{p['probability']:.4f}" for p in prediction["top_k"])
        click.echo(f"{image}\t{ranked}")


@group.command("inspect")
@click.argument("model")
@click.argument("image")
@click.option("--out", type=click.Path(dir_okay=False), default="feature_maps.png", show_default=True, help="The PNG to write.")
@click.option("--maps", type=click.IntRange(min=1, max=32), default=8, show_default=True, help="Maps shown per stage (the most active).")
@friendly_errors
def inspect(model, image, out, maps):
    """Draw what each convolution stage of MODEL sees in IMAGE: the input at the bottom, each
    stage's feature maps above it, the class scores on top (the review's second figure)."""
    classifier = common.task_class(TASK).load(model)
    click.echo(f"wrote {classifier.draw_feature_maps(image, out, maps_per_stage=maps)}")
    for name, stage in classifier.feature_maps(image):
        click.echo(f"{name}\t{stage.shape[0]}x{stage.shape[1]}x{stage.shape[2]}")
