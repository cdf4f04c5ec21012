"""Shapes scenes: the Captioner's embedded default data, generated, never downloaded.

Each scene is two coloured shapes (circle, square or triangle) on a noisy dark background,
one clearly above, below, left or right of the other; no two shapes of a scene have both
the same colour and the same kind. Its captions say what is where, and every caption is
fully determined by the scene, so a captioner that sees the image can get it word for word:

    a red circle above a blue square          a blue square below a red circle

Both phrasings are references of the scene (as Flickr8k has five captions per photo), so
BLEU counts either as right. Sizes, exact positions, shades and the background vary, so the
words must come from what the picture shows, not from where shapes always sit.

Everything follows from the seed: scene i of seed s is the same picture on every machine.
"""

import numpy as np

BUILTIN = "builtin:scenes"
SIZE = 64
TRAIN_SCENES, TEST_SCENES = 4000, 300
TRAIN_SEED, TEST_SEED = 0, 1

COLOURS = {
    "red": (215, 40, 40),
    "green": (40, 175, 60),
    "blue": (50, 90, 235),
    "yellow": (235, 210, 40),
    "white": (235, 235, 235),
}
SHAPES = ("circle", "square", "triangle")
# (relation of the first shape to the second, its converse); "vertical" relations differ in y.
RELATIONS = {"above": "below", "below": "above", "left of": "right of", "right of": "left of"}


def _mask(shape, cx, cy, radius, gx, gy):
    if shape == "circle":
        return (gx - cx) ** 2 + (gy - cy) ** 2 <= radius**2
    if shape == "square":
        half = radius * 0.85
        return (np.abs(gx - cx) <= half) & (np.abs(gy - cy) <= half)
    # An upright triangle inside the circle of `radius`: apex at the top.
    top, bottom = cy - radius, cy + radius * 0.8
    inside_height = (gy >= top) & (gy <= bottom)
    half_width = (gy - top) / (bottom - top) * radius
    return inside_height & (np.abs(gx - cx) <= half_width)


def _phrase(colour, shape):
    return f"a {colour} {shape}"


def generate_scenes(count, seed, size=SIZE):
    """(images uint8 (count, size, size, 3), captions: for each scene its list of caption strings).

    Also usable as the ground truth of a scene: `describe(seed, i)` gives the objects and
    the relation that scene i was drawn from.
    """
    images = np.empty((count, size, size, 3), "uint8")
    captions = []
    for index in range(count):
        image, scene = render_scene(seed, index, size)
        images[index] = image
        captions.append(scene_captions(scene))
    return images, captions


def describe(seed, index):
    """The objects of scene `index` of `seed`: [(colour, shape, cx, cy, radius)] x 2, and relation."""
    rng = np.random.default_rng([seed, index])
    colour_names, shape_names = list(COLOURS), list(SHAPES)
    first = (colour_names[rng.integers(len(colour_names))], shape_names[rng.integers(len(shape_names))])
    while True:
        second = (colour_names[rng.integers(len(colour_names))], shape_names[rng.integers(len(shape_names))])
        if second != first:
            break
    relation = list(RELATIONS)[rng.integers(len(RELATIONS))]
    # Positions as fractions of the image: one shape in the near half along the relation's
    # axis, the other in the far half, and close on the other axis so the relation is plain.
    near, far = rng.uniform(0.2, 0.34), rng.uniform(0.66, 0.8)
    across = rng.uniform(0.25, 0.75)
    drift = rng.uniform(-0.08, 0.08)
    main_first, main_second = (near, far) if relation in ("above", "left of") else (far, near)
    if relation in ("above", "below"):
        centres = ((across, main_first), (across + drift, main_second))
    else:
        centres = ((main_first, across), (main_second, across + drift))
    radii = rng.uniform(0.10, 0.15, 2)
    objects = [(*kind, *centre, radius) for kind, centre, radius in zip((first, second), centres, radii)]
    return objects, relation


def scene_captions(scene):
    objects, relation = scene
    (colour_a, shape_a, *_), (colour_b, shape_b, *_) = objects
    return [
        f"{_phrase(colour_a, shape_a)} {relation} {_phrase(colour_b, shape_b)}",
        f"{_phrase(colour_b, shape_b)} {RELATIONS[relation]} {_phrase(colour_a, shape_a)}",
    ]


def render_scene(seed, index, size=SIZE):
    """(uint8 image (size, size, 3), scene) for scene `index` of `seed`."""
    scene = describe(seed, index)
    rng = np.random.default_rng([seed, index, 1])
    axis = (np.arange(size, dtype="float32") + 0.5) / size
    gx, gy = np.meshgrid(axis, axis)
    background = rng.uniform(15, 70, 3)
    image = np.broadcast_to(background, (size, size, 3)).astype("float32").copy()
    for colour, shape, cx, cy, radius in scene[0]:
        shade = np.asarray(COLOURS[colour], "float32") * rng.uniform(0.85, 1.0)
        image[_mask(shape, cx, cy, radius, gx, gy)] = shade
    image += rng.normal(0.0, 8.0, image.shape)
    return np.clip(np.rint(image), 0, 255).astype("uint8"), scene


def builtin_split(part):
    """The embedded data set's "train" or "test" scenes: (images, captions)."""
    if part == "train":
        return generate_scenes(TRAIN_SCENES, TRAIN_SEED)
    return generate_scenes(TEST_SCENES, TEST_SEED)
