import logging

import numpy as np
import pytest
from PIL import Image

from deeptoolkit.data import faces, synthetic_faces
from deeptoolkit.data.identity_batches import identity_batches
from deeptoolkit.errors import DeeptoolkitError


def _orl_folder(root, people=3, photos=4, size=(28, 24)):
    """ORL layout: s1/1.pgm ... greyscale."""
    rng = np.random.default_rng(0)
    for person in range(1, people + 1):
        (root / f"s{person}").mkdir(parents=True)
        for n in range(1, photos + 1):
            Image.fromarray(rng.integers(0, 255, size, dtype="uint8")).save(root / f"s{person}" / f"{n}.pgm")
    return root


def test_orl_layout_reads_numbers_and_selects_people(tmp_path):
    folder = _orl_folder(tmp_path / "orl")
    photos = faces.load_faces(folder, image_size=(20, 20), people="s2-s3")
    assert photos.people == ["s2", "s3"] and len(photos) == 8
    assert photos.images.shape == (8, 20, 20, 1) and photos.images.dtype == np.uint8
    assert photos.index("s3", 4) is not None and photos.index("s1", 1) is None
    original = np.asarray(Image.open(folder / "s3" / "4.pgm").resize((20, 20)), "float32")
    assert np.abs(photos.images[photos.index("s3", 4), ..., 0] - original).mean() < 20  # the same photo


def test_lfw_layout_colour_crop_and_numbers(tmp_path):
    rng = np.random.default_rng(0)
    for name in ("Ann_Lee", "Bob_Ray"):
        (tmp_path / name).mkdir()
        for n in (1, 2, 3):
            Image.fromarray(rng.integers(0, 255, (40, 40, 3), dtype="uint8")).save(tmp_path / name / f"{name}_{n:04d}.jpg")
    photos = faces.load_faces(tmp_path, image_size=(16, 16), crop=0.5)
    assert photos.images.shape == (6, 16, 16, 3)
    assert photos.index("Bob_Ray", 3) == 5


def test_corrupt_photo_is_skipped_with_a_warning(tmp_path, caplog):
    folder = _orl_folder(tmp_path / "orl", people=2)
    (folder / "s1" / "5.pgm").write_bytes(b"not an image")
    with caplog.at_level(logging.WARNING, logger="deeptoolkit"):
        photos = faces.load_faces(folder, image_size=(20, 20))
    assert len(photos) == 8 and "5.pgm: corrupt or unreadable image" in caplog.text


def test_photos_too_small_to_be_faces_are_an_error(tmp_path):
    folder = _orl_folder(tmp_path / "orl", people=2, size=(8, 8))
    with pytest.raises(DeeptoolkitError, match="at least 16x16 pixels.*1.pgm of 8x8"):
        faces.load_faces(folder)


def test_unknown_people_and_bad_crop_are_errors(tmp_path):
    folder = _orl_folder(tmp_path / "orl", people=2)
    with pytest.raises(DeeptoolkitError, match=r"No such people in the data: \['s7'\]"):
        faces.load_faces(folder, people="s1,s7")
    with pytest.raises(DeeptoolkitError, match="crop"):
        faces.load_faces(folder, crop=0)
    with pytest.raises(DeeptoolkitError, match="Unknown built-in"):
        faces.load_faces("builtin:faces")


def test_arrays_with_name_labels():
    images = np.random.default_rng(0).uniform(size=(6, 20, 20)).astype("float32")
    photos = faces.load_faces(images, ["b", "a", "b", "a", "b", "c"], image_size=(20, 20))
    assert photos.people == ["a", "b", "c"] and photos.labels.tolist() == [1, 0, 1, 0, 1, 2]
    assert photos.index("b", 3) == 4 and photos.images.dtype == np.uint8
    with pytest.raises(DeeptoolkitError, match="one person label per photo"):
        faces.load_faces(images, ["a", "b"])


def test_synthetic_people_are_deterministic_and_distinct():
    first, labels, names = synthetic_faces.synthetic_faces()
    again, _, _ = synthetic_faces.synthetic_faces()
    unseen, _, unseen_names = synthetic_faces.synthetic_faces(unseen=True)
    assert np.array_equal(first, again)
    assert first.shape == (1000, 48, 48, 1) and len(set(names)) == 100 and not set(names) & set(unseen_names)
    # Two photos of one person differ; the people differ more on average.
    flat = first.reshape(len(first), -1).astype("float32")
    same = np.mean([np.abs(flat[i] - flat[i + 1]).mean() for i in range(0, 200, 10)])
    other = np.mean([np.abs(flat[i] - flat[i + 10]).mean() for i in range(0, 200, 10)])
    assert 0 < same < other


def test_identity_batches_hold_k_photos_of_p_people_and_change_each_epoch():
    labels = np.repeat(np.arange(6), [5, 5, 3, 2, 6, 4])
    images = np.arange(len(labels), dtype="uint8").reshape(-1, 1, 1, 1)
    batches = identity_batches(images, labels, people_per_batch=3, photos_per_person=4, steps=5, seed=1)
    epochs = [[(x.numpy().ravel().tolist(), y.numpy().tolist()) for x, y in batches] for _ in range(2)]
    assert len(epochs[0]) == 5
    for photo_ids, batch_labels in epochs[0]:
        assert [labels[i] for i in photo_ids] == batch_labels  # photos match their labels
        people = batch_labels[::4]
        assert len(set(people)) == 3 and batch_labels == [p for p in people for _ in range(4)]
        for k, person in enumerate(people):
            group = photo_ids[4 * k : 4 * k + 4]
            assert len(set(group)) == min(4, np.sum(labels == person))  # repeats only when short
    assert epochs[0] != epochs[1]
    fixed = identity_batches(images, labels, 3, 4, steps=3, seed=1, repeatable=True)
    assert [x.numpy().tolist() for x, _ in fixed] == [x.numpy().tolist() for x, _ in fixed]


def test_tfds_lfw_layout_is_read_with_person_names():
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=6):
        photos = faces.load_faces("tfds:lfw", image_size=(24, 24), crop=0.5)
    assert photos.images.shape == (6, 24, 24, 3) and photos.spec == "tfds:lfw"
    assert len(photos.people) == len(set(photos.people)) >= 1 and all(isinstance(p, str) for p in photos.people)
    assert photos.counts().sum() == 6
