"""deeptoolkit face-verifier train | evaluate | calibrate | predict | verify | identify"""

import json
import os

import click

from deeptoolkit.cli import common
from deeptoolkit.cli.errors import friendly_errors

TASK = "face-verifier"
# One value per pair: for --plots, not for --json.
PER_PAIR = ("distances", "same")


@click.group(TASK)
def group():
    """Face embeddings: is it the same person? (FaceNet / DeepID)"""


def _verification_plots(metrics, plots):
    from deeptoolkit import plots as figures

    click.echo(f"wrote {figures.verification_roc(metrics['distances'], metrics['same'], os.path.join(plots, 'roc.png'))}")
    path = os.path.join(plots, "distances.png")
    click.echo(f"wrote {figures.distance_histograms(metrics['distances'], metrics['same'], metrics['threshold'], path)}")


@group.command("train")
@common.training_options
@click.option("--people", default=None, help='Train on these people only: "s1-s30" or "ann,bob".')
@common.task_option(TASK, "objective", type=click.Choice(["triplet", "softmax", "joint"]))
@common.task_option(TASK, "backbone", type=click.Choice(["resnet", "lenet5"]))
@common.task_option(TASK, "depth", type=int, help="ResNet depth (6n + 2).")
@common.task_option(TASK, "embedding_dim", type=click.IntRange(min=1))
@common.task_option(TASK, "crop", type=click.FloatRange(0, 1, min_open=True), help="Central fraction of each photo kept (about 0.5 for LFW).")
@common.task_option(TASK, "erasing", type=click.FloatRange(0, 1),
                    help="Chance (drawn up to this) of covering a random patch of a training photo; 0: off.")
@common.task_option(TASK, "detect", type=click.Choice(["none", "opencv"]), default="none", callback=common.none_for("none"),
                    help="Find, turn upright and crop the face in every photo (opencv), or use the whole photo (none).")
@friendly_errors
def train(training, people, **network):
    """Train on --data (a folder of person folders; default: generated identities) and save OUT/model.dtk."""
    verifier, metrics = common.train(TASK, training, network, fit_arguments={"people": people},
                               evaluate_arguments={"return_distances": bool(training.plots)})
    click.echo(f"calibrated threshold: {verifier.threshold:.4f}")
    click.echo(f"held-out people: 10-fold accuracy {metrics['accuracy']:.4f} +- {metrics['accuracy_std']:.4f}, "
               f"AUC {metrics['auc']:.4f}, EER {metrics['eer']:.4f} ({metrics['pairs']} pairs of {metrics['people']} people)")
    if training.plots:
        _verification_plots(metrics, training.plots)


@group.command("evaluate")
@common.evaluation_options("Photos to score (default: the people held out in training).")
@click.option("--pairs", "pairs_file", type=click.Path(dir_okay=False), default=None,
              help="LFW-format pairs.txt naming photos of --data (default: all genuine pairs and as many impostors).")
@click.option("--people", default=None, help='Only these people of --data: "s31-s40" or "ann,bob".')
@click.option("--plots", type=click.Path(file_okay=False), default=None, help="Write the ROC curve and distance histograms here.")
@friendly_errors
def evaluate(model, data, batch_size, as_json, pairs_file, people, plots):
    """LFW 10-fold accuracy, ROC AUC, EER and VR at FAR 1e-3 of MODEL."""
    metrics = common.task_class(TASK).load(model).evaluate(data, pairs=pairs_file, people=people, return_distances=bool(plots),
                                                    batch_size=batch_size)
    common.print_metrics(metrics, as_json, hidden=PER_PAIR)
    if plots:
        _verification_plots(metrics, plots)


@group.command("calibrate")
@click.argument("model")
@click.option("--data", required=True, help="Labelled photos like those to verify: a folder of person folders.")
@click.option("--people", default=None, help='Only these people of --data: "s21-s30" or "ann,bob".')
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Save the recalibrated model here (default: MODEL itself).")
@friendly_errors
def calibrate(model, data, people, out):
    """Refit MODEL's threshold and confidence on --data, without training, and save it."""
    verifier = common.task_class(TASK).load(model)
    result = verifier.calibrate(data, people=people)
    path = verifier.save(out or model)
    click.echo(f"threshold {result['previous_threshold']:.4f} -> {result['threshold']:.4f}: accuracy on {result['pairs']} pairs of "
               f"{result['people']} people {result['previous_accuracy']:.4f} -> {result['accuracy']:.4f}")
    click.echo(f"saved {path}")


@group.command("predict")
@click.argument("model")
@click.argument("images", nargs=-1, required=True)
@click.option("--output", type=click.Path(dir_okay=False), default=None, help="Write the embeddings to this .npy file.")
@friendly_errors
def predict(model, images, output):
    """Embeddings of IMAGES: one line per image (path, then the numbers), or an .npy with --output."""
    import numpy as np

    embeddings = common.task_class(TASK).load(model).predict(list(images))
    if output:
        np.save(output, embeddings)
        click.echo(f"wrote {output}: {embeddings.shape[0]} x {embeddings.shape[1]}")
        return
    for path, row in zip(images, embeddings):
        click.echo(f"{path}\t" + " ".join(f"{v:.5f}" for v in row))


@group.command("verify")
@click.argument("model")
@click.argument("first")
@click.argument("second")
@click.option("--threshold", type=float, default=None, help="Distance threshold to use instead of the calibrated one.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--show", type=click.Path(dir_okay=False), default=None,
              help="Draw both photos with their face boxes, the distance, the threshold and the verdict into this PNG.")
@friendly_errors
def verify(model, first, second, threshold, as_json, show):
    """Are FIRST and SECOND photos of the same person? "same" or "different" on the first line."""
    result = common.task_class(TASK).load(model).verify(first, second, threshold=threshold)
    if as_json:
        click.echo(json.dumps(result))
    else:
        click.echo("same" if result["same"] else "different")
        click.echo(f"distance: {result['distance']:.4f} (threshold {result['threshold']:.4f}), confidence: {result['confidence']:.3f}"
                   + ("" if result["in_domain"] is not False else " (photos unlike those the model was trained or calibrated on)"))
    if show:
        from deeptoolkit import plots

        click.echo(f"wrote {plots.verification_pair((first, second), result, show)}", err=as_json)


@group.command("identify")
@click.argument("model")
@click.argument("image")
@click.option("--gallery", required=True, type=click.Path(exists=True, file_okay=False), help="Folder of person folders.")
@click.option("--top-k", type=click.IntRange(min=1), default=5, show_default=True)
@friendly_errors
def identify(model, image, gallery, top_k):
    """The people of --gallery nearest to IMAGE, nearest first (person, distance, same)."""
    for match in common.task_class(TASK).load(model).identify(image, gallery, top_k=top_k):
        click.echo(f"{match['person']}\t{match['distance']:.4f}\t{'same' if match['same'] else 'different'}")
