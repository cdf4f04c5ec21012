"""The generated scenes: deterministic, and every caption says what the picture shows.

The check reads the pixels with its own simple vision (connected blobs, their colour, how
much of their bounding box they fill, their centres), independent of the generator's code.
"""

import numpy as np
import pytest
from scipy import ndimage

from deeptoolkit.data import shape_scenes

PALETTE = {name: np.asarray(rgb, "float32") for name, rgb in shape_scenes.COLOURS.items()}


def blobs(image):
    """[(colour, shape, (x, y))] of the shapes in a scene image."""
    pixels = image.astype("float32")
    background = np.median(pixels.reshape(-1, 3), axis=0)
    foreground = np.linalg.norm(pixels - background, axis=-1) > 60
    labels, count = ndimage.label(foreground)
    found = []
    for label in range(1, count + 1):
        mask = labels == label
        if mask.sum() < 20:  # noise
            continue
        colour = min(PALETTE, key=lambda name: np.linalg.norm(pixels[mask].mean(0) - PALETTE[name]))
        rows, columns = np.nonzero(mask)
        box = (np.ptp(rows) + 1) * (np.ptp(columns) + 1)
        fill = mask.sum() / box
        shape = "square" if fill > 0.9 else "circle" if fill > 0.65 else "triangle"
        found.append((colour, shape, (columns.mean(), rows.mean())))
    return found


def read_caption(caption):
    words = caption.split()
    assert words[0] == "a" and words[3] in ("above", "below", "left", "right")
    relation = words[3] if words[3] in ("above", "below") else f"{words[3]} of"
    rest = words[4:] if relation in ("above", "below") else words[5:]
    assert rest[0] == "a" and len(rest) == 3
    return (words[1], words[2]), relation, (rest[1], rest[2])


def holds(first, relation, second):
    (x1, y1), (x2, y2) = first, second
    return {"above": y1 < y2, "below": y1 > y2, "left of": x1 < x2, "right of": x1 > x2}[relation]


def test_same_seed_same_scenes_other_seed_other_scenes():
    images, captions = shape_scenes.generate_scenes(20, seed=3)
    again, captions_again = shape_scenes.generate_scenes(20, seed=3)
    other, _ = shape_scenes.generate_scenes(20, seed=4)
    assert np.array_equal(images, again) and captions == captions_again
    assert not np.array_equal(images, other)
    assert images.dtype == np.uint8 and images.shape == (20, 64, 64, 3)


@pytest.mark.parametrize("seed", [0, 1])
def test_every_caption_matches_its_picture(seed):
    images, captions = shape_scenes.generate_scenes(150, seed=seed)
    relations = set()
    for image, references in zip(images, captions):
        found = blobs(image)
        assert len(found) == 2, references
        assert len(references) == 2
        for caption in references:
            first, relation, second = read_caption(caption)
            relations.add(relation)
            where = {(colour, shape): centre for colour, shape, centre in found}
            assert first in where and second in where, (caption, found)
            assert holds(where[first], relation, where[second]), (caption, found)
    assert relations == {"above", "below", "left of", "right of"}


def test_two_shapes_of_a_scene_differ():
    for index in range(200):
        (a, b), _ = shape_scenes.describe(5, index)
        assert a[:2] != b[:2]
