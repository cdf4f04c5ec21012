"""LeNet-5 (LeCun et al. 1998): conv, subsample, conv, subsample, three dense layers.

The layer plan is the paper's; the details are today's (ReLU, max-pooling, dropout), which
train faster and generalise better on small data sets such as the 8x8 digits.
"""

import keras
from keras import layers

from deeptoolkit.models.image_input import classifier_head, image_input

# LeNet-5 was designed for 32x32 inputs; smaller images are upsampled to it so that both
# 5x5 convolutions and both subsamplings still fit.
MIN_SIZE = 32


def working_size(image_size):
    return tuple(max(int(s), MIN_SIZE) for s in image_size)


def lenet5(num_classes, channels, image_size, value_max, augment=True, dropout=0.25, width=1):
    """A LeNet-5 for images of `image_size` (any larger size than 32x32 works too)."""
    inputs, x = image_input(channels, working_size(image_size), value_max, augment)
    x = lenet5_features(x, dropout, width)
    x = layers.Dropout(dropout)(x)
    return keras.Model(inputs, classifier_head(x, num_classes), name="lenet5")


def lenet5_features(x, dropout=0.25, width=1):
    """C1 to F6: (B, 84 * width) features."""
    x = layers.Conv2D(6 * width, 5, activation="relu", name="c1")(x)
    x = layers.MaxPooling2D(2, name="s2")(x)
    x = layers.Conv2D(16 * width, 5, activation="relu", name="c3")(x)
    x = layers.MaxPooling2D(2, name="s4")(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(dropout)(x)
    x = layers.Dense(120 * width, activation="relu", name="c5")(x)
    x = layers.Dropout(dropout)(x)
    return layers.Dense(84 * width, activation="relu", name="f6")(x)
