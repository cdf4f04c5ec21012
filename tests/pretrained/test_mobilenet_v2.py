"""torchvision's MobileNetV2 on Keras: the layout takes every tensor of the checkpoint, and with the
real ImageNet weights (where `deeptoolkit data get mobilenet_v2-imagenet` has fetched them) it gives
torchvision's own logits (tests/fixtures/pretrained/make_mobilenet_v2_logits.py) to 1e-4."""

import os

import numpy as np
import pytest

from deeptoolkit.errors import DeeptoolkitError
from deeptoolkit.models.mobilenet_v2 import load_torchvision_weights, mobilenet_v2_features, torchvision_classifier
from tests.fixtures.pretrained.probe_images import probe_images

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "pretrained")


def torchvision_shapes(model):
    """A made-up state dict with torchvision's names and shapes, from the Keras layers."""
    import keras

    state = {}
    for layer in model.layers:
        name = layer.name.replace("_", ".")
        if isinstance(layer, keras.layers.DepthwiseConv2D):
            kh, kw, channels, _ = layer.kernel.shape
            state[f"{name}.weight"] = np.random.default_rng(0).normal(size=(channels, 1, kh, kw)).astype("float32")
        elif isinstance(layer, keras.layers.Conv2D):
            kh, kw, inputs, outputs = layer.kernel.shape
            state[f"{name}.weight"] = np.random.default_rng(1).normal(size=(outputs, inputs, kh, kw)).astype("float32")
        elif isinstance(layer, keras.layers.BatchNormalization):
            for part in ("weight", "bias", "running_mean", "running_var"):
                state[f"{name}.{part}"] = np.full(layer.gamma.shape, 0.5, "float32")
            state[f"{name}.num_batches_tracked"] = np.array(1)
    return state


def test_the_keras_layout_has_torchvisions_tensors_and_kernels_are_transposed():
    model = mobilenet_v2_features()
    assert model.count_params() == 2_257_984  # torchvision's features: 3,504,872 less the 1,281,000 of the classifier
    state = torchvision_shapes(model)
    assert load_torchvision_weights(model, state) == []
    stem = model.get_layer("features_0_0")
    np.testing.assert_array_equal(np.asarray(stem.kernel), state["features.0.0.weight"].transpose(2, 3, 1, 0))
    depthwise = model.get_layer("features_2_conv_1_0")
    np.testing.assert_array_equal(np.asarray(depthwise.kernel), state["features.2.conv.1.0.weight"].transpose(2, 3, 0, 1))
    del state["features.18.1.running_var"]
    with pytest.raises(DeeptoolkitError, match="no 'features.18.1.running_var'.*not torchvision's MobileNetV2"):
        load_torchvision_weights(mobilenet_v2_features(), state)


def test_the_ported_imagenet_network_gives_torchvisions_logits():
    from deeptoolkit.data import pretrained_files

    if not pretrained_files.available("mobilenet_v2-imagenet"):
        pytest.skip("needs torchvision's weights: deeptoolkit data get mobilenet_v2-imagenet")
    from deeptoolkit.data.torch_checkpoint import read_state_dict
    from deeptoolkit.models.pretrained_backbone import MOBILENET_V2_FILE

    state = read_state_dict(pretrained_files.path(*MOBILENET_V2_FILE))
    model = mobilenet_v2_features()
    assert load_torchvision_weights(model, state) == []
    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    images = ((probe_images() / 255.0 - mean) / std).astype("float32")
    kernel, bias = torchvision_classifier(state)
    logits = np.asarray(model(images, training=False)).mean(axis=(1, 2)) @ kernel + bias
    expected = np.load(os.path.join(FIXTURES, "mobilenet_v2_logits.npz"))["logits"]
    np.testing.assert_allclose(logits, expected, atol=1e-4, rtol=0)
    assert (logits.argmax(-1) == expected.argmax(-1)).all()
