"""ImageClassifier.feature_maps and the review's second figure, on tiny models."""

import numpy as np
import pytest

import deeptoolkit
from deeptoolkit.errors import DeeptoolkitError
from tests.conftest import write_image


def test_lenet_stages_are_its_convolutions_and_subsamplings(trained_classifier, digits):
    stages = trained_classifier.feature_maps(digits.test.images[0])
    assert [(name, maps.shape) for name, maps in stages] == [
        ("c1", (28, 28, 6)), ("s2", (14, 14, 6)), ("c3", (10, 10, 16)), ("s4", (5, 5, 16))]
    assert all(maps.dtype == np.float32 and np.isfinite(maps).all() for _, maps in stages)
    # s2 is c1 max-pooled 2x2: the figure's rows are the network's own outputs.
    c1, s2 = stages[0][1], stages[1][1]
    np.testing.assert_allclose(s2, c1.reshape(14, 2, 14, 2, 6).max(axis=(1, 3)), rtol=1e-5)


@pytest.fixture(scope="module")
def rgb_resnet():
    rng = np.random.default_rng(0)
    images, labels = rng.uniform(0, 255, (24, 32, 32, 3)).astype("float32"), np.arange(24) % 3
    classifier = deeptoolkit.ImageClassifier(architecture="resnet", depth=8, width=4, epochs=1, batch_size=8, seed=0)
    return classifier.fit(images, labels, verbose=0), images


def test_resnet_stages_are_its_stem_and_blocks_on_rgb(rgb_resnet, tmp_path):
    classifier, images = rgb_resnet
    stages = classifier.feature_maps(images[0])
    assert [(name, maps.shape) for name, maps in stages] == [
        ("stem", (32, 32, 4)), ("stage1_block1", (32, 32, 4)), ("stage2_block1", (16, 16, 8)), ("stage3_block1", (8, 8, 16))]
    assert (stages[1][1] >= 0).all()  # a block ends in a ReLU
    path = classifier.draw_feature_maps(images[0], tmp_path / "maps.png")
    assert (tmp_path / "maps.png").stat().st_size > 10_000 and path == str(tmp_path / "maps.png")


def test_an_image_of_another_size_or_channel_count_is_read_as_predict_reads_it(rgb_resnet, trained_classifier, tmp_path):
    classifier, images = rgb_resnet
    smaller = classifier.feature_maps(images[0, :16, :16])  # resized to the model's 32x32
    assert [maps.shape for _, maps in smaller] == [maps.shape for _, maps in classifier.feature_maps(images[0])]
    assert len(classifier.feature_maps(write_image(tmp_path / "grey.png", np.zeros((32, 32), "uint8")))) == len(smaller)
    with pytest.raises(DeeptoolkitError, match="Expected an image array"):
        classifier.feature_maps(np.zeros((1, 32, 32, 5)))
    with pytest.raises(DeeptoolkitError, match="one image"):
        classifier.feature_maps(images[:2])
    from deeptoolkit.errors import NotFittedError

    with pytest.raises(NotFittedError):
        deeptoolkit.ImageClassifier().feature_maps(images[0])
