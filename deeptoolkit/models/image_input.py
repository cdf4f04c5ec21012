"""The front of every image network: resize, scale to [0, 1], augment while training.

Keeping these inside the model means a saved model takes raw pixels of any size, exactly
as the user has them, and training-time augmentation switches itself off at inference.
"""

import keras
from keras import layers


def augmentation(shift=0.1, rotation_degrees=10.0, zoom=0.1, flip=False, erasing=0.0, name="augment"):
    """Small random shifts, rotations and zooms: label-preserving for digits, faces, objects.

    flip adds left-right mirroring, which keeps a face's identity but not a digit's.
    erasing > 0 then covers a random rectangle (2-33% of the photo) with noise, in each photo
    with a chance drawn up to `erasing` (Keras's RandomErasing factor): occlusions such as
    glasses or a hand, which teach a face network not to lean on any one region.
    """
    steps = [layers.RandomFlip("horizontal")] if flip else []
    steps += [
        layers.RandomTranslation(shift, shift, fill_mode="constant"),
        layers.RandomRotation(rotation_degrees / 360.0, fill_mode="constant"),
        layers.RandomZoom(zoom, fill_mode="constant"),
    ]
    if erasing:
        steps.append(layers.RandomErasing(factor=erasing, scale=(0.02, 0.33), value_range=(0, 1)))
    return keras.Sequential(steps, name=name)


def image_input(channels, size, value_max, augment=False, name="image", flip=False, erasing=0.0):
    """(inputs, features): an Input of any height and width, resized to `size` and scaled."""
    inputs = keras.Input(shape=(None, None, channels), name=name)
    x = layers.Resizing(size[0], size[1], name="resize")(inputs)
    x = layers.Rescaling(1.0 / value_max, name="scale")(x)
    if augment:
        x = augmentation(flip=flip, erasing=erasing)(x)
    return inputs, x


def classifier_head(x, num_classes, name="probabilities"):
    """Class probabilities, computed in float32 even under mixed precision for stable losses."""
    logits = layers.Dense(num_classes, name="logits")(x)
    return layers.Activation("softmax", dtype="float32", name=name)(logits)
