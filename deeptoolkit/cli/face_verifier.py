"""deeptoolkit face-verifier calibrate: the command besides the declared verbs (it changes and
saves the model rather than answering)."""

import click

from deeptoolkit.cli.declared import click_option, task_class
from deeptoolkit.cli.errors import friendly_errors

TASK = "face-verifier"


@click.command("calibrate")
@click.argument("model")
@click.option("--data", required=True, help="Labelled photos like those to verify: a folder of person folders.")
@click_option(task_class(TASK).people, None)
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Save the recalibrated model here (default: MODEL itself).")
@friendly_errors
def calibrate(model, data, people, out):
    """Refit MODEL's threshold and confidence on --data, without training, and save it."""
    verifier = task_class(TASK).load(model)
    result = verifier.calibrate(data, people=people)
    path = verifier.save(out or model)
    click.echo(f"threshold {result['previous_threshold']:.4f} -> {result['threshold']:.4f}: accuracy on {result['pairs']} pairs of "
               f"{result['people']} people {result['previous_accuracy']:.4f} -> {result['accuracy']:.4f}")
    click.echo(f"saved {path}")


extra_commands = [calibrate]
