"""Image files on disk: a folder with one sub-folder per class, and decoding inside tf.data.

PNG, JPEG, BMP and GIF decode with TensorFlow's own kernels. PGM (the format of ORL/AT&T
faces and much older vision data) has no TensorFlow decoder, so it goes through Pillow.

Corrupt or non-image files in a class folder are skipped with a warning that names each
file, so that one bad download does not stop a long run; a class left with no readable
image is an error.
"""

import logging
import os

import numpy as np
import tensorflow as tf
from PIL import Image, UnidentifiedImageError

from deeptoolkit.errors import DeeptoolkitError
from deeptoolkit.inputs import IMAGE_EXTENSIONS

log = logging.getLogger("deeptoolkit")

_PILLOW_ONLY = (".pgm",)


def probe_image(path):
    """(height, width, channels) of a readable image, or None if the file is not one."""
    try:
        with Image.open(path) as image:
            image.verify()
        with Image.open(path) as image:
            image.load()  # verify() skips pixel data; load() catches truncated files.
            channels = len(image.getbands())
            if image.mode == "P":
                channels = 4 if "transparency" in image.info else 3
            return image.height, image.width, channels
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None


def list_class_folder(folder):
    """(paths, labels, class_names, first_shape) for a folder of per-class sub-folders."""
    folder = os.fspath(folder)
    if not os.path.exists(folder):
        raise DeeptoolkitError(f"Data path does not exist. Received: data={folder!r}")
    if not os.path.isdir(folder):
        raise DeeptoolkitError(f"Expected a folder with one sub-folder of images per class. Received: data={folder!r}")
    class_names = sorted(
        entry.name for entry in os.scandir(folder) if entry.is_dir() and not entry.name.startswith(".")
    )
    if not class_names:
        raise DeeptoolkitError(
            f"Expected a folder with one sub-folder of images per class; it has no sub-folders. Received: data={folder!r}"
        )
    paths, labels, shapes = [], [], []
    for index, name in enumerate(class_names):
        found = 0
        for entry in sorted(os.scandir(os.path.join(folder, name)), key=lambda e: e.name):
            if not entry.is_file() or entry.name.startswith("."):
                continue
            if not entry.name.lower().endswith(IMAGE_EXTENSIONS):
                log.warning("skipping %s: not an image file (expected %s)", entry.path, ", ".join(IMAGE_EXTENSIONS))
                continue
            shape = probe_image(entry.path)
            if shape is None:
                log.warning("skipping %s: corrupt or unreadable image", entry.path)
                continue
            paths.append(entry.path)
            labels.append(index)
            shapes.append(shape)
            found += 1
        if found == 0:
            raise DeeptoolkitError(f"Class folder has no readable images. Received: folder={os.path.join(folder, name)!r}")
    if len(class_names) < 2:
        raise DeeptoolkitError(f"Expected at least two class sub-folders. Received: data={folder!r} with classes={class_names}")
    return paths, np.asarray(labels, dtype="int32"), class_names, shapes


def _decode_with_pillow(path, channels):
    path = path.item() if isinstance(path, np.ndarray) else path  # eager calls pass a 0-d array
    with Image.open(path.decode() if isinstance(path, bytes) else path) as image:
        image = image.convert("L" if channels == 1 else "RGB")
        return np.asarray(image, dtype="uint8").reshape(image.height, image.width, channels)


def decode_image(path, channels):
    """A uint8 (H, W, channels) tensor for the image file at `path` (a string tensor)."""
    is_pgm = tf.strings.regex_full_match(tf.strings.lower(path), r".*\.pgm")

    def with_tensorflow():
        # Native channels first: the BMP decoder cannot produce greyscale itself.
        image = tf.io.decode_image(tf.io.read_file(path), channels=0, expand_animations=False)
        return tf.ensure_shape(_to_channels(image, channels), [None, None, channels])

    def with_pillow():
        image = tf.numpy_function(lambda p: _decode_with_pillow(p, channels), [path], tf.uint8)
        return tf.ensure_shape(image, [None, None, channels])

    return tf.cond(is_pgm, with_pillow, with_tensorflow)


def _to_channels(image, channels):
    """Convert a uint8 image with 1 to 4 channels to greyscale (1) or RGB (3); alpha is dropped."""
    found = tf.shape(image)[-1]
    image = tf.cond(tf.equal(found % 2, 0), lambda: image[..., :-1], lambda: image)  # 2, 4: alpha
    found = tf.shape(image)[-1]
    if channels == 1:
        return tf.cond(tf.equal(found, 3), lambda: tf.image.rgb_to_grayscale(image), lambda: image)
    return tf.cond(tf.equal(found, 1), lambda: tf.tile(image, [1, 1, 3]), lambda: image)


def read_images(paths, channels, size=None):
    """A float32 batch (N, H, W, channels) of image files, resized to `size` if given."""
    images = []
    for path in paths:
        image = decode_image(tf.constant(os.fspath(path)), channels)
        if size is not None:
            image = tf.image.resize(image, size)
        images.append(tf.cast(image, tf.float32))
    return tf.stack(images)
