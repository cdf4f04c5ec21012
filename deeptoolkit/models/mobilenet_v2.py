"""MobileNetV2 (Sandler et al. 2018) laid out as torchvision builds it, so that torchvision's
ImageNet weights load onto it exactly.

It differs from keras.applications.MobileNetV2 where the weights would notice: stride-2
convolutions pad one pixel on every side (torchvision) rather than only after (TensorFlow's
"same"), and batch normalisation uses epsilon 1e-5. Layer names follow the checkpoint's keys
("features.2.conv.1.0" -> "features_2_conv_1_0") so the port is a loop over names.

    grid = mobilenet_v2_features()                       # (None, None, 3) ImageNet-normalised -> (h/32, w/32, 1280)
    load_torchvision_weights(grid, read_state_dict(path))  # torchvision's mobilenet_v2 state dict
"""

import keras
import numpy as np
from keras import layers

from deeptoolkit.errors import DeeptoolkitError

# (expansion t, output channels c, repeats n, first stride s): the paper's table 2.
INVERTED_RESIDUALS = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))
EPSILON = 1e-5
FEATURES = 1280


def _key(name):
    return name.replace(".", "_")


def _conv(x, filters, kernel, stride, name, depthwise=False):
    """A bias-free convolution padded as torchvision pads it: (kernel - 1) // 2 on every side."""
    pad = (kernel - 1) // 2
    if pad and stride > 1:
        x = layers.ZeroPadding2D(pad, name=_key(name) + "_pad")(x)
        padding = "valid"
    else:
        padding = "same"
    if depthwise:
        return layers.DepthwiseConv2D(kernel, stride, padding=padding, use_bias=False, name=_key(name))(x)
    return layers.Conv2D(filters, kernel, stride, padding=padding, use_bias=False, name=_key(name))(x)


def _norm(x, name):
    return layers.BatchNormalization(epsilon=EPSILON, momentum=0.9, name=_key(name))(x)


def _conv_norm_relu6(x, filters, kernel, stride, name, depthwise=False):
    x = _conv(x, filters, kernel, stride, f"{name}.0", depthwise)
    x = _norm(x, f"{name}.1")
    return layers.ReLU(6.0, name=_key(name) + "_relu6")(x)


def mobilenet_v2_features(name="mobilenet_v2"):
    """The convolutional body, ImageNet-normalised RGB in, the 1280-map grid (stride 32) out."""
    inputs = keras.Input(shape=(None, None, 3), name=f"{name}_input")
    x = _conv_norm_relu6(inputs, 32, 3, 2, "features.0")
    channels, index = 32, 1
    for expansion, out_channels, repeats, first_stride in INVERTED_RESIDUALS:
        for repeat in range(repeats):
            stride = first_stride if repeat == 0 else 1
            prefix, step, y = f"features.{index}.conv", 0, x
            if expansion != 1:
                y = _conv_norm_relu6(y, channels * expansion, 1, 1, f"{prefix}.0")
                step = 1
            y = _conv_norm_relu6(y, None, 3, stride, f"{prefix}.{step}", depthwise=True)
            y = _conv(y, out_channels, 1, 1, f"{prefix}.{step + 1}")
            y = _norm(y, f"{prefix}.{step + 2}")
            x = layers.Add(name=f"features_{index}_add")([x, y]) if stride == 1 and channels == out_channels else y
            channels, index = out_channels, index + 1
    x = _conv_norm_relu6(x, FEATURES, 1, 1, f"features.{index}")
    return keras.Model(inputs, x, name=name)


def load_torchvision_weights(model, state_dict):
    """Copy torchvision's MobileNetV2 `state_dict` (name -> numpy array) onto `model`'s layers;
    every convolution and batch norm of the model must find its tensors."""
    used = set()

    def take(key):
        if key not in state_dict:
            raise DeeptoolkitError(f"The checkpoint has no {key!r}: it is not torchvision's MobileNetV2 (width 1.0)")
        used.add(key)
        return state_dict[key]

    for layer in model.layers:
        name = layer.name.replace("_", ".")
        if isinstance(layer, layers.DepthwiseConv2D):
            layer.set_weights([take(f"{name}.weight").transpose(2, 3, 0, 1)])  # (C, 1, kh, kw) -> (kh, kw, C, 1)
        elif isinstance(layer, layers.Conv2D):
            layer.set_weights([take(f"{name}.weight").transpose(2, 3, 1, 0)])  # OIHW -> HWIO
        elif isinstance(layer, layers.BatchNormalization):
            layer.set_weights([take(f"{name}.{part}") for part in ("weight", "bias", "running_mean", "running_var")])
    return sorted(k for k in state_dict if k.startswith("features.") and k not in used and not k.endswith("num_batches_tracked"))


def torchvision_classifier(state_dict):
    """(kernel, bias) of torchvision's ImageNet classifier, as a Keras Dense layer takes them."""
    return np.asarray(state_dict["classifier.1.weight"]).T, np.asarray(state_dict["classifier.1.bias"])
