import logging

import numpy as np
import pytest
import tensorflow as tf

from deeptoolkit.data import image_files
from deeptoolkit.data.images import as_image_batch, load_image_source
from deeptoolkit.errors import DeeptoolkitError
from tests.conftest import write_image


def test_digits_split_is_stratified_80_20_with_seed_0(digits):
    assert len(digits.train) == 1437 and len(digits.test) == 360
    assert np.bincount(digits.test.labels).min() >= 35  # every digit is held out
    assert digits.class_names == [str(d) for d in range(10)]
    assert digits.value_max == 16.0 and digits.image_size == (8, 8) and digits.channels == 1


def test_greyscale_arrays_gain_a_channel_axis():
    source = load_image_source(np.zeros((4, 5, 6)), ["a", "b", "a", "b"])
    assert source.channels == 1 and source.image_size == (5, 6)
    assert source.class_names == ["a", "b"] and list(source.train.labels) == [0, 1, 0, 1]


def test_label_count_must_match_image_count():
    with pytest.raises(DeeptoolkitError, match="4 images and labels of shape \\(3,\\)"):
        load_image_source(np.zeros((4, 5, 5)), [0, 1, 0])


def test_arrays_need_labels():
    with pytest.raises(DeeptoolkitError, match="need labels"):
        load_image_source(np.zeros((4, 5, 5)))


@pytest.mark.parametrize("shape", [(5,), (2, 3, 4, 5, 6), (0, 4, 4)])
def test_wrong_array_shapes_are_refused(shape):
    with pytest.raises(DeeptoolkitError, match="shape"):
        as_image_batch(np.zeros(shape))


def test_a_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(DeeptoolkitError, match="does not exist"):
        load_image_source(str(tmp_path / "nope"))


def test_an_empty_folder_is_a_clear_error(tmp_path):
    with pytest.raises(DeeptoolkitError, match="no sub-folders"):
        load_image_source(str(tmp_path))


def test_a_class_folder_without_images_is_a_clear_error(tmp_path, digit_folder):
    (digit_folder / "9").mkdir()
    with pytest.raises(DeeptoolkitError, match="no readable images"):
        load_image_source(str(digit_folder))


def test_corrupt_and_non_image_files_are_skipped_with_a_warning(digit_folder, caplog):
    (digit_folder / "1" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    (digit_folder / "2" / "notes.txt").write_text("not an image")
    with caplog.at_level(logging.WARNING, logger="deeptoolkit"):
        source = load_image_source(str(digit_folder))
    assert len(source.train) == 24
    assert "broken.png" in caplog.text and "notes.txt" in caplog.text


def test_folder_images_of_every_format_decode_to_the_same_pixels(digit_folder):
    source = load_image_source(str(digit_folder))
    assert source.class_names == ["0", "1", "2"] and source.channels == 1 and source.value_max == 255
    images = [image.numpy() for image, _ in source.train.dataset(1, (8, 8))]
    assert len(images) == 24 and all(image.shape == (8, 8, 1) for image in images)
    lossless = [image for path, image in zip(source.train.paths, images) if not path.endswith(".jpg")]
    assert all(image.max() > 100 for image in lossless)


def test_pgm_decodes_exactly(tmp_path):
    pixels = np.arange(12, dtype="uint8").reshape(3, 4) * 20
    path = write_image(tmp_path / "x.pgm", pixels)
    decoded = image_files.decode_image(tf.constant(path), 1).numpy()
    assert (decoded[..., 0] == pixels).all()


def test_train_and_test_sub_folders_are_used_as_the_split(tmp_path):
    for split in ("train", "test"):
        for label in ("cat", "dog"):
            for n in range(3):
                write_image(tmp_path / split / label / f"{n}.png", np.full((6, 6, 3), 40 * n, dtype="uint8"))
    source = load_image_source(str(tmp_path))
    assert len(source.train) == 6 and len(source.test) == 6 and source.channels == 3


def test_a_dataset_of_pairs_is_accepted_batched_or_not():
    images = np.random.default_rng(0).integers(0, 255, (10, 6, 6, 3)).astype("uint8")
    labels = np.array([3, 5] * 5)
    for dataset in (tf.data.Dataset.from_tensor_slices((images, labels)),
                    tf.data.Dataset.from_tensor_slices((images, labels)).batch(4)):
        source = load_image_source(dataset)
        assert len(source.train) == 10 and source.class_names == ["3", "5"] and source.value_max == 255
        assert [int(y) for _, y in source.train.dataset()] == [0, 1] * 5


def test_an_uninstalled_tfds_dataset_says_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path))
    with pytest.raises(DeeptoolkitError, match="not on this machine"):
        load_image_source("tfds:mnist")


def test_an_unknown_builtin_is_refused():
    with pytest.raises(DeeptoolkitError, match="builtin:digits"):
        load_image_source("builtin:cifar")


def test_a_tfds_catalogue_data_set_is_read_with_its_class_names_and_test_split():
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=12):
        source = load_image_source("tfds:mnist")
    assert source.class_names == [str(d) for d in range(10)] and source.spec == "tfds:mnist"
    assert source.image_size == (28, 28) and source.channels == 1 and source.value_max == 255
    assert len(source.train) == 12 and len(source.test) == 12
