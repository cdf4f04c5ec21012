"""keras.applications backbones: the input scaling matches each family's preprocess_input; weights come from a file."""

import keras
import numpy as np
import pytest

from deeptoolkit.errors import DeeptoolkitError
from deeptoolkit.models import pretrained_backbone


@pytest.mark.parametrize("mode, reference", [
    ("tf", keras.applications.mobilenet_v2.preprocess_input),
    ("caffe", keras.applications.resnet.preprocess_input),
    ("torch", keras.applications.densenet.preprocess_input),
])
def test_scaling_matches_preprocess_input(mode, reference):
    images = np.random.default_rng(0).uniform(0, 255, (2, 5, 5, 3)).astype("float32")
    ours = images
    for layer in pretrained_backbone._scaling(mode):
        ours = layer(ours)
    np.testing.assert_allclose(np.asarray(ours), reference(images.copy()), rtol=1e-5, atol=1e-4)


def grid(name, weights):
    return pretrained_backbone.pretrained_grid(keras.Input((64, 64, 3)), name, True, weights)


def test_weights_come_from_a_file_or_imagenet_with_clear_errors(tmp_path, monkeypatch):
    with pytest.raises(DeeptoolkitError, match="backbone_weights='imagenet'"):
        grid("MobileNetV2", None)

    def offline(*args, **kwargs):
        raise Exception("URL fetch failure on https://storage.googleapis.com/...: [Errno -2] Name or service not known")

    from keras.src.utils import file_utils

    monkeypatch.setattr(file_utils, "get_file", offline)
    with pytest.raises(DeeptoolkitError, match="Could not download MobileNetV2's ImageNet weights.*backbone_weights=PATH"):
        grid("MobileNetV2", "imagenet")
    with pytest.raises(DeeptoolkitError, match="does not exist"):
        grid("MobileNetV2", tmp_path / "missing.h5")
    with pytest.raises(DeeptoolkitError, match="Expected backbone mobilenet_v2, a keras.applications name"):
        grid("AlexNet", tmp_path / "w.h5")
    wrong = tmp_path / "wrong.weights.h5"
    keras.applications.MobileNetV2(include_top=False, weights=None, input_shape=(64, 64, 3), alpha=0.35).save_weights(wrong)
    with pytest.raises(DeeptoolkitError, match="does not fit MobileNetV2"):
        grid("MobileNetV2", wrong)  # alpha 1.0 expected
