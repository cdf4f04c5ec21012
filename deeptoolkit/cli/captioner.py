"""deeptoolkit captioner train | evaluate | predict | caption"""

import os

import click

from deeptoolkit.cli import common
from deeptoolkit.cli.errors import friendly_errors

TASK = "captioner"


@click.group(TASK)
def group():
    """Convnet encoder and attending LSTM decoder: describe images in words."""


@group.command("train")
@common.training_options
@common.task_option(TASK, "attention", type=click.Choice(["additive", "none"]), callback=common.none_for("none"),
                    help="none: the Show and Tell baseline without attention.")
@common.task_option(TASK, "image_size", type=click.IntRange(min=32), default=common.constructor_defaults(TASK)["image_size"][0],
                    callback=lambda context, parameter, value: (value, value), help="Square input size in pixels.")
@common.task_option(TASK, "units", type=click.IntRange(min=1), help="LSTM units.")
@common.task_option(TASK, "min_count", type=click.IntRange(min=1), help="Keep words seen at least this often.")
@friendly_errors
def train(training, **network):
    """Train on --data (a Flickr8k-style folder, caption file, or default: generated shapes scenes); save OUT/model.dtk."""
    _, metrics = common.train(TASK, training, network)
    click.echo(f"held-out {metrics['split']} BLEU-4 (greedy): {metrics['bleu4']:.4f} ({metrics['images']} images)")


common.evaluate_command(group, TASK, "BLEU-1 to BLEU-4 of MODEL against every reference caption.",
                        "Captioned images to score (default: the held-out images of training).", common.beam_option)


@group.command("predict")
@click.argument("model")
@click.argument("images", nargs=-1, required=True)
@common.beam_option
@friendly_errors
def predict(model, images, beam):
    """Caption IMAGES (files, or a folder of them): one line per image, path<TAB>caption."""
    from deeptoolkit.data.image_files import expand_images

    paths = expand_images(images)
    for path, caption in zip(paths, common.task_class(TASK).load(model).predict(paths, beam=beam)):
        click.echo(f"{path}\t{caption}")


@group.command("caption")
@click.argument("model")
@click.argument("images", nargs=-1, required=True)
@common.beam_option
@click.option("--attention-map", type=click.Path(dir_okay=False), default=None,
              help="Write the per-word attention figure PNG (one file per image: OUT.png, OUT-2.png, ...).")
@friendly_errors
def caption(model, images, beam, attention_map):
    """Caption each IMAGE; the caption alone on one line per image, the first image's first."""
    from deeptoolkit import plots as figures

    results = common.task_class(TASK).load(model).caption(list(images), beam=beam, return_attention=bool(attention_map))
    for result in results:
        click.echo(result["caption"] if attention_map else result)
    if attention_map:
        stem, extension = os.path.splitext(attention_map)
        for index, result in enumerate(results):
            target = attention_map if index == 0 else f"{stem}-{index + 1}{extension or '.png'}"
            written = figures.caption_attention(result["image"], result["words"], result["attention"], target, result["caption"])
            click.echo(f"wrote {written}")
