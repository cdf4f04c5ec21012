"""Labelled image data from what practitioners have, as one `ImageSource`.

Accepted inputs:
    numpy arrays        images (N, H, W) or (N, H, W, C) with a label per image
    tf.data.Dataset     of (image, label) pairs, batched or not
    a folder            one sub-folder of images per class; `train/` and `test/` sub-folders,
                        if present, are used as the split; images are streamed from disk
    "builtin:digits"    scikit-learn's bundled 8x8 digits; test = stratified 20%, seed 0
    "tfds:NAME"         a TensorFlow Datasets catalogue data set already on disk

Each source keeps its examples as a `Split` so that validation and test parts can be cut
reproducibly before anything is parsed, and a `spec` string from which `evaluate` can
rebuild the held-out part later.
"""

import os

import numpy as np
import tensorflow as tf

from deeptoolkit.data import image_files
from deeptoolkit.data.splits import stratified_split
from deeptoolkit.data.tfds_source import tfds_split
from deeptoolkit.errors import DeeptoolkitError

DIGITS = "builtin:digits"
DIGITS_TEST_FRACTION = 0.2
DIGITS_SPLIT_SEED = 0


class ArraySplit:
    """Images held in memory as a float32 array (N, H, W, C) with integer labels."""

    streamed = False

    def __init__(self, images, labels):
        self.images = images
        self.labels = labels

    def __len__(self):
        return len(self.labels)

    def take(self, indices):
        return ArraySplit(self.images[indices], self.labels[indices])

    def dataset(self, channels=None, size=None):
        return tf.data.Dataset.from_tensor_slices((self.images, self.labels))


class FileSplit:
    """Image files with integer labels, decoded inside the pipeline (never all in memory)."""

    streamed = True

    def __init__(self, paths, labels):
        self.paths = np.asarray(paths)
        self.labels = np.asarray(labels, dtype="int32")

    def __len__(self):
        return len(self.labels)

    def take(self, indices):
        return FileSplit(self.paths[indices], self.labels[indices])

    def dataset(self, channels, size, shuffle=False, seed=None):
        """Decoded (image, label) pairs; with `shuffle`, in a new random order every epoch (seeded).

        The order is shuffled while the elements are still file names: a shuffle buffer after
        decoding would hold every decoded image, and memory would grow with the folder
        (benchmarks/streaming.py).
        """

        def parse(path, label):
            image = tf.image.resize(image_files.decode_image(path, channels), size)
            return image, label

        files = tf.data.Dataset.from_tensor_slices((self.paths, self.labels))
        if shuffle:
            files = files.shuffle(len(self.paths), seed=seed, reshuffle_each_iteration=True)
        return files.map(parse, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


class DatasetSplit:
    """A user's or catalogue's tf.data.Dataset of (image, label), read in order."""

    def __init__(self, dataset, labels, streamed=True):
        self._dataset = dataset
        self.labels = np.asarray(labels, dtype="int32")
        self.streamed = streamed

    def __len__(self):
        return len(self.labels)

    def take(self, indices):
        # Order-based cut: the dataset is unshuffled, so skip/take is reproducible.
        indices = np.sort(indices)
        keep = tf.constant(np.isin(np.arange(len(self.labels)), indices))
        picked = self._dataset.enumerate().filter(lambda i, pair: tf.gather(keep, i)).map(lambda i, pair: pair)
        return DatasetSplit(picked, self.labels[indices], self.streamed)

    def dataset(self, channels=None, size=None):
        return self._dataset


class ImageSource:
    """Training (and maybe test) examples of one image data set and what is known about them."""

    def __init__(self, train, test, class_names, image_size, channels, value_max, spec=None):
        self.train = train
        self.test = test
        self.class_names = list(class_names)
        self.image_size = tuple(int(s) for s in image_size)
        self.channels = int(channels)
        self.value_max = float(value_max)
        self.spec = spec


def load_image_source(data, labels=None, class_names=None):
    """An ImageSource for any accepted input; `class_names` maps labels of a trained model."""
    if isinstance(data, tf.data.Dataset):
        _no_labels(labels, "a tf.data.Dataset")
        return _from_dataset(data, class_names)
    if isinstance(data, (str, os.PathLike)):
        _no_labels(labels, "a path")
        spec = os.fspath(data)
        if spec == DIGITS:
            return load_digits()
        if spec.startswith("tfds:"):
            return _from_tfds(spec[len("tfds:"):], class_names)
        if spec.startswith("builtin:"):
            raise DeeptoolkitError(f"Unknown built-in data set. Expected {DIGITS!r}. Received: data={spec!r}")
        return _from_folder(spec)
    if isinstance(data, (np.ndarray, list, tuple)):
        return _from_arrays(data, labels, class_names)
    raise DeeptoolkitError(
        "Expected image arrays with labels, a tf.data.Dataset, a folder path, 'builtin:digits' or 'tfds:NAME'. "
        f"Received: data of type {type(data).__name__}"
    )


def _no_labels(labels, what):
    if labels is not None:
        raise DeeptoolkitError(f"labels are only taken with image arrays; {what} carries its own. Received: labels={type(labels).__name__}")


def as_image_batch(images, what="images"):
    """A float32 (N, H, W, C) array from (N, H, W) or (N, H, W, C) input, or a clear error."""
    try:
        images = np.asarray(images, dtype="float32")
    except (TypeError, ValueError) as error:
        raise DeeptoolkitError(f"Expected numeric image arrays. Received: {what} that numpy cannot read as numbers ({error})") from error
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.ndim != 4 or images.shape[0] == 0:
        raise DeeptoolkitError(f"Expected {what} of shape (N, H, W) or (N, H, W, C) with N > 0. Received: shape={images.shape}")
    if not np.isfinite(images).all():
        raise DeeptoolkitError(f"Expected finite pixel values. Received: {what} containing NaN or infinity")
    return images


def as_rgb(images):
    """Pixels (..., 1 | 3 | 4) as RGB (..., 3): greyscale repeated, alpha dropped (as for files)."""
    channels = images.shape[-1]
    if channels == 1:
        return np.repeat(images, 3, axis=-1)
    return images[..., :3] if channels == 4 else images


def encode_labels(labels, class_names=None):
    """Integer labels and class names for any labels; known `class_names` fix the mapping."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise DeeptoolkitError(f"Expected one label per image (a 1-D array). Received: labels of shape {labels.shape}")
    names = [str(v) for v in labels.tolist()]
    if class_names is None:
        unique = np.unique(labels)
        class_names = [str(v) for v in unique.tolist()]
    index = {name: i for i, name in enumerate(class_names)}
    unknown = sorted(set(names) - set(index))
    if unknown:
        raise DeeptoolkitError(f"Labels not among the model's classes {class_names}. Received: labels {unknown[:5]}")
    return np.asarray([index[n] for n in names], dtype="int32"), list(class_names)


def _value_max(images):
    # Pixel scale of the data: the model divides by it, so 0..1, 0..16 (digits) and
    # 0..255 images all reach the network in [0, 1].
    peak = float(images.max())
    if peak <= 1.0:
        return 1.0
    if peak <= 255.0 and float(images.min()) >= 0:
        return 16.0 if peak <= 16.0 else 255.0
    return peak


def _from_arrays(images, labels, class_names):
    images = as_image_batch(images)
    if labels is None:
        raise DeeptoolkitError("Image arrays need labels: fit(images, labels). Received: labels=None")
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) != len(images):
        raise DeeptoolkitError(
            f"Expected one label per image. Received: {len(images)} images and labels of shape {labels.shape}"
        )
    codes, class_names = encode_labels(labels, class_names)
    return ImageSource(
        ArraySplit(images, codes), None, class_names, images.shape[1:3], images.shape[3], _value_max(images)
    )


def load_digits():
    """scikit-learn's 1,797 8x8 digits (values 0..16), split 80/20 stratified with seed 0."""
    from sklearn.datasets import load_digits as sklearn_digits

    digits = sklearn_digits()
    images = digits.images.astype("float32")[..., np.newaxis]
    labels = digits.target.astype("int32")
    everything = ArraySplit(images, labels)
    train, test = stratified_split(labels, DIGITS_TEST_FRACTION, DIGITS_SPLIT_SEED)
    names = [str(n) for n in digits.target_names]
    return ImageSource(everything.take(train), everything.take(test), names, (8, 8), 1, 16.0, spec=DIGITS)


def _from_folder(folder):
    train_dir, test_dir = os.path.join(folder, "train"), os.path.join(folder, "test")
    if os.path.isdir(train_dir) and os.path.isdir(test_dir):
        paths, codes, names, shapes = image_files.list_class_folder(train_dir)
        test_paths, test_labels, test_names, _ = image_files.list_class_folder(test_dir)
        if test_names != names:
            raise DeeptoolkitError(f"train/ and test/ must hold the same class folders. Received: {names} and {test_names}")
        test = FileSplit(test_paths, test_labels)
    else:
        paths, codes, names, shapes = image_files.list_class_folder(folder)
        test = None
    height, width, _ = shapes[0]
    # The most common channel count wins; the rest are converted as they are decoded.
    channels = 1 if sum(s[2] == 1 for s in shapes) * 2 > len(shapes) else 3
    return ImageSource(FileSplit(paths, codes), test, names, (height, width), channels, 255.0, spec=os.path.abspath(folder))


def _scan(dataset):
    """Count, labels and peak pixel value of a dataset of (image, label) pairs, in one pass."""
    labels, peak, shape = [], 0.0, None
    for images, batch_labels in dataset.batch(1024):
        labels.append(np.asarray(batch_labels).reshape(-1))
        peak = max(peak, float(tf.reduce_max(tf.cast(images, tf.float32))))
        shape = images.shape[1:]
    if not labels:
        raise DeeptoolkitError("Expected a dataset of (image, label) pairs. Received: an empty tf.data.Dataset")
    return np.concatenate(labels), peak, shape


def _from_dataset(dataset, class_names, spec=None, indexed=False):
    spec_elements = dataset.element_spec
    if not (isinstance(spec_elements, tuple) and len(spec_elements) == 2):
        raise DeeptoolkitError(f"Expected a tf.data.Dataset of (image, label) pairs. Received: element_spec={spec_elements}")
    if spec_elements[0].shape.rank == 4:  # batched by the user; re-batched by our pipeline
        dataset = dataset.unbatch()
    rank = dataset.element_spec[0].shape.rank
    if rank not in (2, 3):
        raise DeeptoolkitError(f"Expected images of shape (H, W) or (H, W, C). Received: element_spec={dataset.element_spec}")
    if rank == 2:
        dataset = dataset.map(lambda image, label: (image[..., tf.newaxis], label))
    dataset = dataset.map(lambda image, label: (tf.cast(image, tf.float32), label))
    raw_labels, peak, shape = _scan(dataset)
    if indexed:  # catalogue labels are already indices into class_names
        codes = raw_labels.astype("int32")
    else:
        codes, class_names = encode_labels(raw_labels, class_names)
    lookup = tf.constant(codes)
    coded = dataset.enumerate().map(lambda i, pair: (pair[0], tf.gather(lookup, i)))
    value_max = 255.0 if peak > 16 else (16.0 if peak > 1 else 1.0)
    return ImageSource(DatasetSplit(coded, codes), None, class_names, shape[:2], shape[2], value_max, spec=spec)


def _from_tfds(name, class_names):
    builder, train = tfds_split(name, "train", as_supervised=True)
    label = builder.info.features["label"]
    names = class_names or list(getattr(label, "names", []) or [])
    source = _from_dataset(train, names or None, spec=f"tfds:{name}", indexed=bool(names))
    _, test = tfds_split(name, "test", as_supervised=True)
    if test is not None:
        source.test = _from_dataset(test, source.class_names, indexed=bool(names)).train
    return source
