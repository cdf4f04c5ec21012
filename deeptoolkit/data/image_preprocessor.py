"""ImagePreprocessor: images as a model reads them, one rule for every task that reads images
(as keras-hub pairs each backbone with a preprocessor).

What it takes: a path, a folder (its images sorted by name), bytes (an upload), an array (H, W),
(H, W, C), (N, H, W) or (N, H, W, C), or a list of any of these.
The rule: each image is converted to the model's channels (grey repeated to RGB, RGB to grey by
luminance, alpha dropped) and resized to the model's size, files and arrays alike. Files and
uploads hold 0..255; arrays are read on the pixel scale of the model's training data
(`value_max`), so that an array from the training set predicts as it trained.
The errors name the input and say what was expected, in one wording for every task.
"""

import functools
import io
import os

import numpy as np
import tensorflow as tf
from PIL import Image, UnidentifiedImageError

from deeptoolkit.data import image_files
from deeptoolkit.errors import DeeptoolkitError
from deeptoolkit.inputs import IMAGE_EXTENSIONS, expand_images

UNREADABLE = f"Not a readable image (expected {', '.join(e[1:] for e in IMAGE_EXTENSIONS)})."
ARRAY_SHAPES = "(H, W), (H, W, C), (N, H, W) or (N, H, W, C) with C in 1, 3, 4"


class ImagePreprocessor:
    """Images in any accepted form -> a float32 (N, H, W, channels) batch at `image_size`.

    image_size: (height, width) of the model, or None to keep each image's own size (`read`).
    channels: 1 (grey) or 3 (RGB). value_max: the pixel scale of the model's inputs.
    """

    def __init__(self, image_size, channels, value_max=255.0):
        self.image_size = None if image_size is None else tuple(int(s) for s in image_size)
        self.channels = int(channels)
        self.value_max = float(value_max)

    def __call__(self, images, what="image"):
        """The batch the model reads."""
        read = self.read(images, what)
        resized = [tf.image.resize(image, self.image_size).numpy() if image.shape[:2] != self.image_size else image
                   for image in read]
        return np.stack(resized).astype("float32")

    def read(self, images, what="image"):
        """Each image as float32 (H, W, channels) on the model's pixel scale, at its own size."""
        items = self._items(images, what)
        if not items:
            raise DeeptoolkitError(f"Expected at least one image. Received: {what}=[] (no images)")
        return [self._one(item, f"{what}[{index}]" if len(items) > 1 else what) for index, item in enumerate(items)]

    def _items(self, images, what):
        if isinstance(images, np.ndarray):
            return list(images) if images.ndim == 4 or (images.ndim == 3 and not self._one_image(images)) else [images]
        if isinstance(images, (str, os.PathLike, bytes)):
            images = [images]
        if not isinstance(images, (list, tuple)):
            raise DeeptoolkitError(f"Expected image files, a folder, bytes or arrays. Received: {what} of type "
                                   f"{type(images).__name__}")
        items = []
        for item in images:
            if isinstance(item, (str, os.PathLike)) and os.path.isdir(item):
                items.extend(expand_images(item))
            else:
                items.append(item)
        return items

    def _one_image(self, array):
        """Whether a 3-D array is one (H, W, C) image rather than (N, H, W) greyscale ones: the
        model's size tells them apart, else 1, 3 or 4 in the last axis."""
        if self.image_size is not None and tuple(array.shape[1:]) == self.image_size:
            return False
        return array.shape[-1] in (1, 3, 4)

    def _one(self, item, what):
        if isinstance(item, (str, os.PathLike)):
            return self._file(os.fspath(item), what)
        if isinstance(item, bytes):
            return self._bytes(item, what)
        return self._array(item, what)

    def _file(self, path, what):
        if not os.path.isfile(path):
            raise DeeptoolkitError(f"Image file does not exist. Received: {what}={path!r}")
        if image_files.probe_image(path) is None:
            raise DeeptoolkitError(f"{UNREADABLE} Received: {what}={path!r}")
        try:
            pixels = _file_decoder(self.channels)(tf.constant(path)).numpy()
        except tf.errors.OpError:  # Pillow read it, TensorFlow's decoder did not
            raise DeeptoolkitError(f"{UNREADABLE} Received: {what}={path!r}") from None
        return pixels.astype("float32") * (self.value_max / 255.0)

    def _bytes(self, data, what):
        try:
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                pixels = np.asarray(image.convert("L" if self.channels == 1 else "RGB"))
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            raise DeeptoolkitError(f"{UNREADABLE} Received: {what} of {len(data)} bytes") from None
        return _with_channels(pixels.astype("float32"), self.channels) * (self.value_max / 255.0)

    def _array(self, item, what):
        try:
            array = np.asarray(item, dtype="float32")
        except (TypeError, ValueError):
            raise DeeptoolkitError(f"Expected an image array {ARRAY_SHAPES}. Received: {what} that numpy cannot read as "
                                   "numbers") from None
        if array.ndim == 2:
            array = array[..., None]
        if array.ndim != 3 or array.shape[-1] not in (1, 3, 4) or min(array.shape[:2]) < 1:
            raise DeeptoolkitError(f"Expected an image array {ARRAY_SHAPES}. Received: {what} of shape {np.shape(item)}")
        if not np.isfinite(array).all():
            raise DeeptoolkitError(f"Expected finite pixel values. Received: {what} containing NaN or infinity")
        return _with_channels(array, self.channels)


def _with_channels(pixels, channels):
    """(H, W[, C]) pixels with `channels` channels: alpha dropped, grey repeated, colour to luminance."""
    if pixels.ndim == 2:
        pixels = pixels[..., None]
    if pixels.shape[-1] in (2, 4):
        pixels = pixels[..., :-1]
    if channels == 3 and pixels.shape[-1] == 1:
        return np.repeat(pixels, 3, axis=-1)
    if channels == 1 and pixels.shape[-1] == 3:
        return (pixels @ np.array([0.299, 0.587, 0.114], "float32"))[..., None]  # ITU-R 601 luminance, as Pillow's "L"
    return pixels


@functools.lru_cache(maxsize=None)
def _file_decoder(channels):
    """The training pipeline's decoder as one compiled call (eagerly, its branches cost more than the decoding)."""
    return tf.function(lambda path: image_files.decode_image(path, channels), input_signature=[tf.TensorSpec((), tf.string)])
