"""A keras.applications convnet as a frozen feature-grid encoder, its weights from a local file.

deeptoolkit never downloads: the user passes the weights file (for example the `..._notop.h5`
that keras.applications fetches into ~/.keras/models on a machine with network). Each
family expects its own input scaling, which is built here from plain Keras layers (a Lambda
around `preprocess_input` would be refused by safe loading).
"""

import os

import keras
from keras import layers, ops

from deeptoolkit.errors import DeeptoolkitError

# The input scaling each family was trained with, on 0-255 RGB pixels.
SCALING = {
    **dict.fromkeys(["MobileNet", "MobileNetV2", "InceptionV3", "InceptionResNetV2", "Xception"], "tf"),
    **dict.fromkeys(["ResNet50", "ResNet101", "ResNet152", "VGG16", "VGG19"], "caffe"),
    **dict.fromkeys(["DenseNet121", "DenseNet169", "DenseNet201"], "torch"),
    # These rescale inside the model itself.
    **dict.fromkeys([f"EfficientNetB{i}" for i in range(8)] + [f"EfficientNetV2B{i}" for i in range(4)]
                    + ["MobileNetV3Small", "MobileNetV3Large", "ConvNeXtTiny", "ConvNeXtSmall", "ConvNeXtBase"], "own"),
}
_IMAGENET_MEAN, _IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


@keras.saving.register_keras_serializable(package="deeptoolkit")
class CaffeScaling(layers.Layer):
    """RGB 0-255 -> BGR minus the ImageNet channel means (the "caffe" mode of preprocess_input)."""

    def call(self, images):
        return ops.flip(images, axis=-1) - ops.convert_to_tensor([103.939, 116.779, 123.68], images.dtype)


def _scaling(mode):
    if mode == "tf":
        return [layers.Rescaling(1.0 / 127.5, offset=-1.0, name="backbone_scaling")]
    if mode == "caffe":
        return [CaffeScaling(name="backbone_scaling")]
    if mode == "torch":
        variance = [s * s for s in _IMAGENET_STD]
        return [layers.Rescaling(1.0 / 255.0, name="backbone_rescale"),
                layers.Normalization(mean=list(_IMAGENET_MEAN), variance=variance, name="backbone_scaling")]
    return []


def applications_grid(name, weights, image_size):
    """(image input, feature grid) of keras.applications `name` (frozen) with weights from a file."""
    if name not in SCALING:
        raise DeeptoolkitError(f"Expected 'resnet' or a keras.applications model among {sorted(SCALING)}. Received: backbone={name!r}")
    if weights is None:
        raise DeeptoolkitError(
            f"backbone={name!r} needs its ImageNet weights: pass backbone_weights='imagenet' (keras.applications downloads "
            f"them once into ~/.keras/models) or backbone_weights=PATH of the *_notop.h5 file. Received: backbone_weights=None"
        )
    weights = weights if weights == "imagenet" else os.fspath(weights)
    if weights != "imagenet" and not os.path.isfile(weights):
        raise DeeptoolkitError(f"Backbone weights file does not exist. Received: backbone_weights={weights!r}")
    try:
        base = getattr(keras.applications, name)(include_top=False, weights=weights, input_shape=(*image_size, 3))
    except Exception as error:
        if weights == "imagenet" and not isinstance(error, (ValueError, KeyError)):  # the download failed
            raise DeeptoolkitError(f"Could not download {name}'s ImageNet weights ({' '.join(str(error).split())[:200]}). Without a "
                                   "network, fetch the *_notop.h5 file elsewhere, put it in ~/.keras/models, and pass "
                                   "backbone_weights=PATH") from None
        if not isinstance(error, (ValueError, OSError, KeyError)):
            raise
        raise DeeptoolkitError(f"The weights file does not fit {name} without its top layers ({error}). Received: backbone_weights={weights!r}") from error
    base.trainable = False
    inputs = keras.Input(shape=(None, None, 3), name="image")
    x = layers.Resizing(*image_size, name="resize")(inputs)
    for layer in _scaling(SCALING[name]):
        x = layer(x)
    return inputs, base(x, training=False)  # frozen: batch norm keeps its ImageNet statistics
