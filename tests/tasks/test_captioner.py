"""Captioner: learns the generated scenes, attends per word, saves, refuses bad input."""

import numpy as np
import pytest

import deeptoolkit
from deeptoolkit import Captioner
from deeptoolkit.data import shape_scenes
from deeptoolkit.errors import DeeptoolkitError, NotFittedError
from tests.conftest import write_image

# 16 epochs for the fixture: held-out BLEU-4 0.43-0.61 over seeds 0-2 (at 12: 0.35-0.50, seed 0
# on the line of test_learns_the_scenes' bar); the other tests override epochs=1.
SMALL = dict(image_size=(32, 32), width=8, embedding_dim=32, units=64, attention_dim=16, epochs=16, batch_size=16,
             learning_rate=1e-2, min_count=1, patience=0, seed=0)


@pytest.fixture(scope="module")
def scenes():
    return shape_scenes.generate_scenes(500, seed=0)


@pytest.fixture(scope="module")
def held_out():
    return shape_scenes.generate_scenes(60, seed=1)


@pytest.fixture(scope="module")
def captioner(scenes):
    captioner = Captioner(**SMALL)
    captioner.fit(scenes, verbose=0)
    return captioner


def blind_bleu(scenes, held_out):
    """BLEU-2 and -4 of the commonest training caption written for every held-out scene: blind
    captioning gets the grammar ("a ... above a ...") but not the scene, the bar to clear."""
    import collections

    import keras_hub

    commonest = collections.Counter(c for captions in scenes[1] for c in captions).most_common(1)[0][0]
    blind = {}
    for order in (2, 4):
        bleu = keras_hub.metrics.Bleu(max_order=order)
        bleu.update_state(held_out[1], [commonest] * len(held_out[1]))
        blind[order] = float(bleu.result())  # 0.41 and 0.25 here
    return blind


def test_learns_the_scenes(captioner, scenes, held_out):
    scores = captioner.evaluate(held_out)
    blind = blind_bleu(scenes, held_out)
    assert scores["bleu2"] > blind[2] + 0.15 and scores["bleu4"] > blind[4] + 0.1, (scores, blind)
    assert captioner.history["val_loss"][-1] < 0.6 * captioner.history["val_loss"][0]
    assert set(scores) >= {"bleu1", "bleu2", "bleu3", "bleu4"} and scores["images"] == 60


def test_captions_are_words_and_stop(captioner, held_out):
    images, _ = held_out
    out = captioner.caption(images[:3], beam=3)
    assert len(out) == 3 and all(isinstance(c, str) and c and "<end>" not in c and "<pad>" not in c for c in out)
    assert len(captioner.caption(images[0], max_length=2).split()) <= 2


def test_attention_maps_have_the_grid_shape_and_sum_to_one(captioner, held_out, tmp_path):
    from deeptoolkit.plots import caption_attention

    images, _ = held_out
    result = captioner.caption(images[0], return_attention=True)
    maps = np.asarray(result["attention"])
    assert result["words"][-1] == "<end>" and len(result["words"]) == len(result["caption"].split()) + 1
    assert maps.shape == (len(result["words"]), 8, 8)  # 32x32 input, stem pool 1, two stride-2 stages
    np.testing.assert_allclose(maps.sum(axis=(1, 2)), 1.0, atol=1e-4)
    caption_attention(result["image"], result["words"], maps, tmp_path / "attention.png")
    assert (tmp_path / "attention.png").stat().st_size > 1000


def test_decoding_loops_compile_once(captioner, held_out):
    images, _ = held_out
    captioner.caption(images[:2])
    decoder = captioner._writer().decoder
    traces = decoder.traces
    captioner.caption(images[:5])
    captioner.caption(images[7])
    assert decoder.traces == traces


def test_save_load_captions_identically(captioner, held_out, tmp_path):
    images, _ = held_out
    loaded = deeptoolkit.load(captioner.save(tmp_path / "c.dtk"))
    assert loaded.caption(images[:4], beam=2) == captioner.caption(images[:4], beam=2)


def test_image_files_of_any_channels(captioner, held_out, tmp_path):
    images, _ = held_out
    grey = tmp_path / "grey.png"
    write_image(str(grey), images[0].mean(-1, keepdims=True).astype("uint8"))
    rgba = tmp_path / "rgba.png"
    write_image(str(rgba), np.concatenate([images[1], np.full((64, 64, 1), 255, "uint8")], -1))
    assert all(isinstance(c, str) and c for c in captioner.predict([grey, rgba]))
    assert captioner.predict(str(tmp_path)) == captioner.predict([grey, rgba])


def test_bad_inputs(captioner, tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 not really a jpeg")
    with pytest.raises(DeeptoolkitError, match="Not a readable image"):
        captioner.caption(str(broken))
    with pytest.raises(DeeptoolkitError, match="does not exist"):
        captioner.caption(str(tmp_path / "missing.jpg"))
    with pytest.raises(DeeptoolkitError, match=r"Expected an image array .*Received: image of shape \(5,\)"):
        captioner.caption([np.zeros(5)])
    with pytest.raises(DeeptoolkitError, match="beam must be a positive integer"):
        captioner.caption(np.zeros((40, 40, 3)), beam=0)
    with pytest.raises(NotFittedError):
        Captioner().caption(np.zeros((40, 40, 3)))
    with pytest.raises(DeeptoolkitError, match="image_size"):
        Captioner(image_size=(16, 16)).fit(epochs=1)
    with pytest.raises(DeeptoolkitError, match="attention must be one of"):
        Captioner(attention="dot").fit(epochs=1)


def test_show_and_tell_without_attention_learns_but_has_no_maps(scenes, held_out):
    baseline = Captioner(attention=None, **SMALL)
    baseline.fit(scenes, verbose=0)
    scores, blind = baseline.evaluate(held_out, batch_size=16), blind_bleu(scenes, held_out)
    assert scores["bleu2"] > blind[2] + 0.1, (scores, blind)
    assert baseline.history["val_loss"][-1] < 0.7 * baseline.history["val_loss"][0]
    with pytest.raises(DeeptoolkitError, match="no attention"):
        baseline.caption(held_out[0][0], return_attention=True)


def test_augmentation_runs_while_training_only(scenes):
    augmented = Captioner(attention=None, augment=True, **{**SMALL, "epochs": 1})
    images, captions = scenes
    augmented.fit((images[:64], captions[:64]), verbose=0)

    def find(model, name):
        for layer in model.layers:
            found = layer if layer.name == name else find(layer, name) if hasattr(layer, "layers") else None
            if found is not None:
                return found
        return None

    augment = find(augmented.model, "augment")
    batch = np.asarray(images[:4], "float32") / 255.0
    np.testing.assert_array_equal(np.asarray(augment(batch, training=False)), batch)  # no augmentation at inference
    assert not np.allclose(np.asarray(augment(batch, training=True)), batch)  # and some while training


def test_coverage_regulariser_adds_to_the_loss(scenes):
    images, captions = scenes
    losses = {}
    for coverage in (0.0, 1.0):
        model = Captioner(coverage=coverage, **{**SMALL, "epochs": 1, "validation_split": 0})
        model.fit((images[:32], captions[:32]), verbose=0)
        losses[coverage] = model.history["loss"][0]
    assert losses[1.0] > losses[0.0] + 1.0  # 64 cells x (1 - ~0.15)^2 per caption


def test_under_bfloat16_the_attention_stays_float32_and_sums_to_one(scenes):
    # precision="auto" picks bfloat16 for the Captioner on CPUs that have it; a bfloat16
    # softmax leaves maps that do not sum to one within 1e-4. The coverage loss reads them too.
    images, captions = scenes
    model = Captioner(precision="mixed_bfloat16", coverage=1.0, **{**SMALL, "epochs": 1, "validation_split": 0})
    model.fit((images[:32], captions[:32]), verbose=0)
    assert model.model.get_layer("decoder").compute_dtype == "bfloat16"
    assert model.model.get_layer("attention").compute_dtype == "float32"
    assert np.isfinite(model.history["loss"][0])
    maps = np.asarray(model.caption(images[0], return_attention=True)["attention"])
    np.testing.assert_allclose(maps.sum(axis=(1, 2)), 1.0, atol=1e-4)


def test_a_frozen_applications_backbone_from_a_weights_file(scenes, tmp_path):
    import keras

    weights = tmp_path / "mobilenet_v2_notop.weights.h5"
    keras.applications.MobileNetV2(include_top=False, weights=None, input_shape=(64, 64, 3)).save_weights(weights)
    images, captions = scenes
    model = Captioner(backbone="MobileNetV2", backbone_weights=str(weights),
                      **{**SMALL, "image_size": (64, 64), "epochs": 1, "fine_tune_epochs": 0, "validation_split": 0})
    model.fit((images[:32], captions[:32]), verbose=0)
    backbone = model.model.get_layer("backbone")
    reference = keras.applications.MobileNetV2(include_top=False, weights=str(weights), input_shape=(64, 64, 3))
    for trained, original in zip(backbone.weights, reference.weights, strict=True):
        np.testing.assert_array_equal(np.asarray(trained), np.asarray(original))  # frozen, batch norm included
    result = model.caption(images[0], return_attention=True)
    assert np.asarray(result["attention"]).shape[1:] == (2, 2)  # MobileNetV2 subsamples 32x
    weights.unlink()  # the saved model holds the weights itself
    loaded = deeptoolkit.load(model.save(tmp_path / "m.dtk"))
    assert loaded.caption(images[:3]) == model.caption(images[:3])
    with pytest.raises(DeeptoolkitError, match="Expected backbone resnet, mobilenet_v2, a keras.applications name"):
        Captioner(backbone="AlexNet").fit(epochs=1)


def test_files_beyond_the_cache_limit_stream_from_disk(tmp_path, monkeypatch):
    from deeptoolkit.tasks import captioner as module

    images, captions = shape_scenes.generate_scenes(40, seed=0)
    rows = ["image,caption"]
    for index, (image, references) in enumerate(zip(images, captions)):
        write_image(str(tmp_path / "images" / f"{index}.png"), image)
        rows += [f"{index}.png,{caption}" for caption in references]
    (tmp_path / "captions.txt").write_text("\n".join(rows) + "\n", encoding="utf-8")
    monkeypatch.setattr(module, "CACHE_LIMIT_BYTES", 0)
    model = Captioner(**{**SMALL, "epochs": 1, "validation_split": 0})
    batches = model.training_pipelines(str(tmp_path), batch_size=8).train
    first = [b[0]["image"].numpy() for b in batches]
    second = [b[0]["image"].numpy() for b in batches]
    assert sum(len(b) for b in first) == 40 and first[0].dtype == np.uint8
    assert not np.array_equal(np.concatenate(first), np.concatenate(second))  # reshuffled file names each epoch
    model.fit(str(tmp_path), verbose=0)
    assert isinstance(model.caption(images[0]), str)
