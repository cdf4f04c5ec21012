"""A small residual network (He et al. 2016, the CIFAR variant): depth = 6n + 2."""

import keras
from keras import layers

from deeptoolkit.models.image_input import classifier_head, image_input

MIN_SIZE = 32
# Batch-norm statistics for inference average the last ~10 batches (PyTorch's default), not
# Keras's ~100, so that a ResNet trained a few hundred steps predicts well on held-out data
# (benchmarks/README.md, "ImageClassifier"); long runs may pass the slower average.
BN_MOMENTUM = 0.9


def check_depth(depth):
    """Whether `depth` has the 6n + 2 form of the CIFAR ResNets (8, 14, 20, 32, ...)."""
    return isinstance(depth, int) and depth >= 8 and (depth - 2) % 6 == 0


def _residual_block(x, filters, stride, name, bn_momentum):
    shortcut = x
    y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False, name=f"{name}_conv1")(x)
    y = layers.BatchNormalization(momentum=bn_momentum, name=f"{name}_bn1")(y)
    y = layers.Activation("relu")(y)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv2")(y)
    y = layers.BatchNormalization(momentum=bn_momentum, name=f"{name}_bn2")(y)
    if stride != 1 or shortcut.shape[-1] != filters:
        # Projection shortcut where the shape changes (option B of the paper).
        # A 1x1 convolution with stride s is a 1x1 convolution of every s-th pixel; written as
        # subsample-then-convolve because oneDNN's strided 1x1 backward pass corrupts memory
        # (a native crash) for 8 input channels on TensorFlow 2.21 CPUs.
        if stride != 1:
            shortcut = layers.MaxPooling2D(1, strides=stride, name=f"{name}_subsample")(shortcut)
        shortcut = layers.Conv2D(filters, 1, use_bias=False, name=f"{name}_proj")(shortcut)
        shortcut = layers.BatchNormalization(momentum=bn_momentum, name=f"{name}_proj_bn")(shortcut)
    return layers.Activation("relu")(layers.Add()([y, shortcut]))


def resnet(num_classes, channels, image_size, value_max, depth=8, augment=True, dropout=0.0, width=16):
    """A ResNet-`depth` with three stages of width, 2x width and 4x width filters."""
    inputs, x = image_input(channels, working_size(image_size), value_max, augment)
    x = resnet_features(x, depth, width)
    if dropout:
        x = layers.Dropout(dropout)(x)
    return keras.Model(inputs, classifier_head(x, num_classes), name=f"resnet{depth}")


def working_size(image_size):
    return tuple(max(int(s), MIN_SIZE) for s in image_size)


def resnet_features(x, depth=8, width=16, bn_momentum=BN_MOMENTUM):
    """The convolutional body, globally average-pooled: (B, 4 * width) features."""
    return layers.GlobalAveragePooling2D()(resnet_grid(x, depth, width, bn_momentum=bn_momentum))


def resnet_grid(x, depth=8, width=16, stem_pool=1, bn_momentum=BN_MOMENTUM):
    """The convolutional body before pooling: a (B, H/4/p, W/4/p, 4 * width) grid of features.

    stem_pool p > 1 max-pools after the stem, as ImageNet ResNets do, for pictures larger than
    the CIFAR 32x32 the plan was made for (a captioner's 128x128 photos would otherwise cost
    p^2 times the compute in every stage).
    """
    x = layers.Conv2D(width, 3, padding="same", use_bias=False, name="stem")(x)
    x = layers.BatchNormalization(momentum=bn_momentum, name="stem_bn")(x)
    x = layers.Activation("relu")(x)
    if stem_pool > 1:
        x = layers.MaxPooling2D(stem_pool, name="stem_pool")(x)
    blocks = (depth - 2) // 6
    for stage, filters in enumerate((width, width * 2, width * 4)):
        for block in range(blocks):
            stride = 2 if stage > 0 and block == 0 else 1
            x = _residual_block(x, filters, stride, f"stage{stage + 1}_block{block + 1}", bn_momentum)
    return x
