import logging

import numpy as np
import pytest

from deeptoolkit.data import face_composites, faces
from deeptoolkit.data.face_detection import FaceDetector, check_detect, iou
from deeptoolkit.errors import DeeptoolkitError


@pytest.fixture(scope="module")
def detector():
    return FaceDetector()


@pytest.fixture(scope="module")
def people():
    """Generated faces at 120 x 120 (48 x 48 is small for the cascade's 24-pixel window)."""
    return faces.load_faces(faces.UNSEEN, image_size=(120, 120))


def test_faces_pasted_into_larger_scenes_are_found_where_they_were_pasted(detector, people):
    scenes, boxes = face_composites.paste(people.images[:10], face_composites.textures(10, seed=0), seed=0, heights=(0.4, 0.8))
    assert scenes.shape == (10, 240, 320, 1)
    overlaps = [iou(found[0], box) if found else 0.0 for found, box in ((detector.find(s), b) for s, b in zip(scenes, boxes))]
    assert sum(o >= 0.5 for o in overlaps) >= 7, overlaps


def test_a_scene_without_a_face_has_none(detector):
    assert detector.find(face_composites.textures(1, seed=3)[0]) == []


def test_the_crop_is_the_face_at_the_asked_size_and_channels(detector, people):
    photo = people.images[0]
    box = detector.find(photo)[0]
    crop = detector.crop(photo, box, (32, 24))
    assert crop.shape == (32, 24, 1) and crop.dtype == np.uint8
    colour = detector.crop(np.repeat(photo, 3, axis=-1), box, (32, 32))
    assert colour.shape == (32, 32, 3)


@pytest.mark.parametrize("angle", [-20, 0, 12])
def test_the_crop_turns_the_face_by_its_angle(detector, angle):
    """A bar drawn through the box centre at `angle` degrees (image axes, y down), as the eyes'
    line of a tilted head would be: in the crop it runs level, along a few rows only."""
    import cv2

    from deeptoolkit.data.face_detection import FaceBox

    photo = np.zeros((200, 200, 1), np.uint8)
    dx, dy = 60 * np.cos(np.radians(angle)), 60 * np.sin(np.radians(angle))
    cv2.line(photo, (int(100 - dx), int(100 - dy)), (int(100 + dx), int(100 + dy)), 255, 3)
    crop = detector.crop(photo, FaceBox(50, 50, 100, 100, float(angle), True), (70, 70))[..., 0]
    rows = np.flatnonzero(crop.max(axis=1) > 128)
    assert rows.max() - rows.min() <= 3, (angle, rows)
    assert abs((rows.min() + rows.max()) / 2 - 35) <= 2


def test_photos_without_a_face_are_left_out_and_counted_in_one_warning(people, caplog):
    images = np.concatenate([people.images[:6], face_composites.textures(2, size=(120, 120), seed=1)])
    labels = ["a", "a", "a", "b", "b", "b", "c", "c"]
    with caplog.at_level(logging.WARNING, logger="deeptoolkit"):
        found = faces.load_faces(images, labels, image_size=(32, 32), detect="opencv")
    missing = [r.getMessage() for r in caplog.records if "no face found" in r.getMessage()]
    assert len(missing) == 1 and "of 8 photos" in missing[0] and "c/1" in missing[0] and "c/2" in missing[0]
    assert 4 <= len(found) <= 6 and found.images.shape[1:] == (32, 32, 1) and "c" not in [found.people[i] for i in found.labels]


def test_two_faces_give_the_largest_with_a_warning(detector, people, caplog):
    scene = face_composites.textures(1, seed=2)[0]
    small, large = people.images[1][::2, ::2], people.images[0]
    scene[20 : 20 + 60, 20 : 20 + 60] = small
    scene[80 : 80 + 120, 170 : 170 + 120] = large
    assert len(detector.find(scene)) == 2
    with caplog.at_level(logging.WARNING, logger="deeptoolkit"):
        crops, boxes = faces.user_photos(scene, (32, 32), channels=1, detector=detector, what="first")
    assert crops.shape == (1, 32, 32, 1)
    assert iou(boxes[0], (170, 80, 120, 120)) >= 0.3
    assert any("shows 2 faces" in r.getMessage() or "faces; the largest" in r.getMessage() for r in caplog.records)


def test_no_face_in_a_photo_to_verify_is_an_error_naming_it(detector, tmp_path):
    from PIL import Image

    path = tmp_path / "wall.png"
    Image.fromarray(face_composites.textures(1, seed=4)[0][..., 0]).save(path)
    with pytest.raises(DeeptoolkitError, match=r"No face found in .*wall\.png"):
        faces.user_photos(str(path), (32, 32), channels=1, detector=detector, what="first")


@pytest.mark.parametrize("detect", ["haar", "OpenCV", True, 1])
def test_an_unknown_detector_is_an_error(detect):
    with pytest.raises(DeeptoolkitError, match="detect must be None"):
        check_detect(detect)
