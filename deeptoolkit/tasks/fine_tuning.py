"""Fine-tuning as practitioners do it: train the new layers on a frozen pretrained encoder
first, then open the encoder and go on at a lower learning rate (the Keras transfer-learning
guide's recipe). The encoder's batch norms stay frozen: a small data set would otherwise
replace ImageNet's statistics with noisy ones.

A task that offers a pretrained encoder declares PRETRAINED_OPTIONS; `Task._train` calls
`second_phase` after the first fit.
"""

import contextlib

from deeptoolkit.declaration import Option

PRETRAINED_OPTIONS = (
    Option("pretrained", "Start the backbone from its ImageNet weights (frozen, then fine-tuned); false: the same "
           "network from random weights, trained with the rest.", type=bool),
    Option("backbone_weights", "The backbone's weights file: a .pth of torchvision's mobilenet_v2, a keras.applications "
           "*_notop.h5 (or imagenet to let Keras download it); none: the registry package or the data cache.", type=str),
    Option("fine_tune_epochs", "Epochs after the frozen ones with the pretrained backbone open (its batch norms stay "
           "frozen); 0: keep it frozen.", type=int, low=0),
    Option("fine_tune_rate", "The learning rate of those epochs, as a fraction of learning_rate.", type=float, low=0,
           low_open=True, high=1),
)


def frozen_backbone(model):
    """The model's pretrained encoder if it is frozen, else None."""
    try:
        backbone = model.get_layer("backbone")
    except ValueError:
        return None
    return None if backbone.trainable else backbone


def unfreeze(backbone):
    """Make the encoder's weights trainable, except its batch norms'."""
    import keras

    backbone.trainable = True
    for layer in backbone._flatten_layers(include_self=False):
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False


@contextlib.contextmanager
def scaled_learning_rate(config, factor):
    """The task's learning_rate times `factor` while its compile arguments are made."""
    original = config["learning_rate"]
    config["learning_rate"] = original * factor
    try:
        yield
    finally:
        config["learning_rate"] = original


def second_phase(task, model, epochs_done):
    """(the frozen encoder, epochs, learning-rate factor) of fine-tuning to run after `epochs_done`
    frozen epochs, or None when the task has no frozen encoder or fine_tune_epochs is 0."""
    epochs, backbone = task.config.get("fine_tune_epochs") or 0, frozen_backbone(model)
    if not epochs or backbone is None or not epochs_done:
        return None
    return backbone, epochs, task.config.get("fine_tune_rate", 0.1)
