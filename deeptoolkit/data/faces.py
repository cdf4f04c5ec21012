"""Photos of people, in memory at the model's working size: what a FaceVerifier trains and scores on.

Accepted inputs:
    a folder                  one sub-folder per person: the LFW layout `Name/Name_0001.jpg` or the
                              ORL layout `s1/1.pgm`; png, jpg, bmp, gif, pgm; corrupt files are
                              skipped with a warning naming each
    (images, labels)          numpy arrays (N, H, W) or (N, H, W, C) with a person label per image
    "tfds:NAME"               a TensorFlow Datasets catalogue set already on disk (e.g. lfw)
    "builtin:synthetic-faces" the generated identities (the default); "...:unseen" gives 40
                              other people, never trained on, for verification

Every photo is centre-cropped (`crop`: the kept fraction of height and width; LFW's 250x250
photos hold the face in about the middle half), or with `detect` its face is found, turned
upright and cropped (`face_detection`), and resized once, when read, so a set of
13,000 LFW photos at 64x64 is 160 MB of uint8 rather than a stream of JPEG decodes per epoch.
A photo is found again by (person, number): the digits that end its file name (Name_0003.jpg,
3.pgm), or its 1-based place among that person's photos for arrays and catalogue sets.
"""

import logging
import os
import re

import numpy as np
import tensorflow as tf

from deeptoolkit.data import image_files, synthetic_faces
from deeptoolkit.data.face_detection import FaceDetector, check_detect
from deeptoolkit.data.image_preprocessor import ImagePreprocessor
from deeptoolkit.data.images import as_image_batch
from deeptoolkit.data.tfds_source import tfds_split
from deeptoolkit.errors import DeeptoolkitError

log = logging.getLogger("deeptoolkit")

BUILTIN = synthetic_faces.BUILTIN
UNSEEN = BUILTIN + ":unseen"
MIN_SIDE = 16  # smaller than this is not a face photo a convnet can read


class FaceSet:
    """uint8 photos (N, H, W, C), int32 person labels, person names, and each photo's number."""

    def __init__(self, images, labels, people, numbers, spec=None, paths=None):
        self.images = images
        self.labels = np.asarray(labels, "int32")
        self.people = list(people)
        self.numbers = np.asarray(numbers, "int64")
        self.spec = spec
        self.paths = paths

    def __len__(self):
        return len(self.labels)

    def index(self, person, number):
        """Position of photo `number` of `person`, or None."""
        if not hasattr(self, "_index"):
            self._index = {(self.people[label], int(n)): i for i, (label, n) in enumerate(zip(self.labels, self.numbers))}
        return self._index.get((person, int(number)))

    def subset(self, people):
        """The photos of the named people only, relabelled 0..len(people)-1 in the given order."""
        missing = [p for p in people if p not in self.people]
        if missing:
            raise DeeptoolkitError(f"People not in the data {self.spec!r}: {missing[:5]}. Received: people={list(people)[:8]}")
        position = {self.people.index(p): i for i, p in enumerate(people)}
        keep = np.flatnonzero(np.isin(self.labels, list(position)))
        labels = np.asarray([position[label] for label in self.labels[keep]], "int32")
        paths = None if self.paths is None else [self.paths[i] for i in keep]
        return FaceSet(self.images[keep], labels, people, self.numbers[keep], self.spec, paths)

    def counts(self):
        return np.bincount(self.labels, minlength=len(self.people))

    def photo_names(self, positions):
        """How a user finds these photos again: their paths, or person/number."""
        if self.paths is not None:
            return [os.fspath(self.paths[i]) for i in positions]
        return [f"{self.people[self.labels[i]]}/{self.numbers[i]}" for i in positions]


def load_faces(data, labels=None, image_size=(64, 64), crop=1.0, channels=None, people=None, detect=None, pad=False):
    """A FaceSet of `data` (see the module docstring), photos cropped and resized to `image_size`
    (with `pad`, keeping their shape: scaled to fit, the rest black).

    channels: 1 or 3 to convert to; None keeps what most of the photos have.
    people: names (or a pattern such as "s1-s30", see `select_people`) to keep.
    detect: None (the whole photo, centre-cropped to `crop`) or "opencv" (the face found in
    it; photos without one are left out and counted in one warning).
    """
    check_detect(detect)
    if not 0.0 < float(crop) <= 1.0:
        raise DeeptoolkitError(f"crop is the kept fraction of each photo, in (0, 1]. Received: crop={crop!r}")
    if isinstance(data, (str, os.PathLike)):
        if labels is not None:
            raise DeeptoolkitError("labels are only taken with image arrays; a path carries its own people. Received: labels")
        spec = os.fspath(data)
        if spec in (BUILTIN, UNSEEN):
            images, labels, names = synthetic_faces.synthetic_faces(unseen=spec == UNSEEN)
            faces = _from_arrays(images, labels, names, spec)
        elif spec.startswith("builtin:"):
            raise DeeptoolkitError(f"Unknown built-in data set. Expected {BUILTIN!r} or {UNSEEN!r}. Received: data={spec!r}")
        elif spec.startswith("tfds:"):
            faces = _from_tfds(spec[len("tfds:"):])
        else:
            faces = _from_folder(spec, channels, image_size, crop, whole=bool(detect), pad=pad)
            crop = 1.0  # done while decoding
    elif isinstance(data, (np.ndarray, list, tuple)):
        if labels is None:
            raise DeeptoolkitError("Face arrays need a person label per photo: fit(images, labels). Received: labels=None")
        images = as_image_batch(data)
        names, codes = np.unique(np.asarray(labels).astype(str), return_inverse=True)
        if len(codes) != len(images):
            raise DeeptoolkitError(f"Expected one person label per photo. Received: {len(images)} photos and {len(codes)} labels")
        faces = _from_arrays(images, codes, list(names), None)
    else:
        raise DeeptoolkitError(
            f"Expected a folder of person sub-folders, image arrays with labels, 'tfds:NAME' or {BUILTIN!r}. "
            f"Received: data of type {type(data).__name__}"
        )
    if people is not None:
        faces = faces.subset(select_people(people, faces.people))
    if detect:
        faces = found_faces(faces, image_size)
        crop = 1.0
    faces.images = fit_photos(faces.images, image_size, crop, channels, pad)
    return faces


def found_faces(faces, image_size, detector=None):
    """`faces` with each photo replaced by its largest face at `image_size`; photos without a face
    are left out, and those and the photos with several faces counted in one warning each."""
    detector = detector or FaceDetector()
    crops, kept, several = [], [], []
    for i, photo in enumerate(faces.images):
        boxes = detector.find(photo)
        if boxes:
            crops.append(detector.crop(photo, boxes[0], image_size))
            kept.append(i)
            if len(boxes) > 1:
                several.append(i)
    if several:
        log.warning("%d of %d photos show several faces; the largest is kept: %s", len(several), len(faces),
                    _some(faces.photo_names(several)))
    missing = sorted(set(range(len(faces))) - set(kept))
    if missing:
        log.warning("no face found in %d of %d photos; they are left out: %s", len(missing), len(faces),
                    _some(faces.photo_names(missing)))
    if not kept:
        raise DeeptoolkitError(f"No face found in any of the {len(faces)} photos of {faces.spec!r} (detect='opencv' looks for "
                               "frontal faces at least 24 pixels high). Received: data")
    paths = None if faces.paths is None else [faces.paths[i] for i in kept]
    return FaceSet(np.stack(crops), faces.labels[kept], faces.people, faces.numbers[kept], faces.spec, paths)


def user_photos(images, image_size, crop=1.0, channels=None, detector=None, what="images", pad=False):
    """(uint8 (N, H, W, C) at `image_size`, face boxes) of the photos a user passes to verify,
    identify or embed: paths, one path, or arrays. With a `detector`, the face of each photo
    (a photo without one is an error naming it) and its FaceBox; without, Nones."""
    if isinstance(images, (str, os.PathLike, bytes)):
        images = [images]
    if isinstance(images, (list, tuple)) and images and all(isinstance(i, (str, os.PathLike, bytes)) for i in images):
        # Files and uploads as every image task reads them; arrays keep the photos' own scale rule (_from_arrays).
        read = ImagePreprocessor(None, channels or 3).read(list(images), what)
        whole = [np.clip(photo, 0, 255).round().astype("uint8") for photo in read]
        names = [os.fspath(p) if not isinstance(p, bytes) else f"{what}[{i}]" for i, p in enumerate(images)]
    else:
        array = np.asarray(images)
        batch = as_image_batch(array[None] if one_photo(array) else array, what)
        if batch.max() <= 1.0:
            batch = batch * 255.0
        whole = np.clip(batch, 0, 255).round().astype("uint8")
        names = [f"{what}[{i}]" for i in range(len(whole))]
    if detector is None:
        if isinstance(whole, np.ndarray):
            return fit_photos(whole, image_size, crop, channels, pad), [None] * len(whole)
        return np.concatenate([fit_photos(p[None], image_size, crop, channels, pad) for p in whole]), [None] * len(whole)
    crops, boxes = [], []
    for photo, name in zip(whole, names):
        found = detector.find(photo)
        if not found:
            raise DeeptoolkitError(f"No face found in {name} (detect='opencv' looks for a frontal face at least 24 pixels high). "
                                   f"Pass a photo with one, or use a model trained with detect=None. Received: {what}={name!r}")
        if len(found) > 1:
            log.warning("%s shows %d faces; the largest is used", name, len(found))
        crops.append(detector.crop(photo, found[0], tuple(image_size)))
        boxes.append(found[0])
    return fit_photos(np.stack(crops), image_size, 1.0, channels), boxes


def one_photo(array):
    """(H, W), or (H, W, C) with 1 or 3 channels, is one photo; (N, H, W[, C]) is a batch."""
    return array.ndim == 2 or (array.ndim == 3 and array.shape[-1] in (1, 3))


def _some(names, shown=5):
    return ", ".join(names[:shown]) + (" ..." if len(names) > shown else "")


def select_people(selection, available):
    """Names from a list, a comma list "s1,s2", or a numbered range "s1-s30" (s1, s2, ..., s30)."""
    if isinstance(selection, str):
        names = []
        for part in (p.strip() for p in selection.split(",") if p.strip()):
            match = re.fullmatch(r"(\D*)(\d+)-\1?(\d+)", part)
            if match:
                prefix, first, last = match.group(1), int(match.group(2)), int(match.group(3))
                names.extend(f"{prefix}{i}" for i in range(first, last + 1))
            else:
                names.append(part)
        selection = names
    selection = [str(p) for p in selection]
    if not selection:
        raise DeeptoolkitError(f"Expected at least one person to keep. Received: people={selection!r}")
    unknown = [p for p in selection if p not in available]
    if unknown:
        raise DeeptoolkitError(f"No such people in the data: {unknown[:5]} (it has e.g. {available[:3]}). Received: people={selection[:8]}")
    return selection


def _resized(images, image_size, pad):
    return tf.image.resize_with_pad(images, *image_size) if pad else tf.image.resize(images, image_size)


def fit_photos(images, image_size, crop=1.0, channels=None, pad=False):
    """uint8 photos centre-cropped to `crop` and resized to `image_size` (`pad`: keeping their
    shape), with `channels`."""
    images = np.asarray(images)
    height, width = images.shape[1:3]
    if min(height, width) < MIN_SIDE:
        raise DeeptoolkitError(f"Face photos must be at least {MIN_SIDE}x{MIN_SIDE} pixels. Received: photos of {height}x{width}")
    if channels is not None and images.shape[-1] != channels:
        images = np.repeat(images, 3, axis=-1) if channels == 3 else np.round(images @ np.array([[0.299], [0.587], [0.114]])).astype(images.dtype)
    if crop >= 1.0 and (height, width) == tuple(image_size) and images.dtype == np.uint8:
        return images
    out = []
    for start in range(0, len(images), 1024):
        chunk = tf.convert_to_tensor(images[start : start + 1024], tf.float32)
        if crop < 1.0:
            chunk = tf.image.central_crop(chunk, float(crop))
        out.append(_resized(chunk, image_size, pad).numpy())
    return np.clip(np.round(np.concatenate(out)), 0, 255).astype("uint8")


def _from_arrays(images, codes, names, spec):
    images = np.asarray(images)
    if images.dtype != np.uint8:
        peak = float(images.max())
        images = np.clip(images * (255.0 if peak <= 1.0 else 1.0), 0, 255).round().astype("uint8")
    numbers = np.zeros(len(codes), "int64")
    for label in np.unique(codes):
        where = np.flatnonzero(codes == label)
        numbers[where] = np.arange(1, len(where) + 1)
    return FaceSet(images, codes, names, numbers, spec)


def _photo_number(path):
    digits = re.search(r"(\d+)$", os.path.splitext(os.path.basename(path))[0])
    return int(digits.group(1)) if digits else -1


def _from_folder(folder, channels, image_size, crop, whole=False, pad=False):
    """Photos of a folder of person folders, at `image_size`; `whole`: each at its own size, uncropped."""
    paths, codes, names, shapes = image_files.list_class_folder(folder)
    if channels is None:
        channels = 1 if sum(s[2] == 1 for s in shapes) * 2 > len(shapes) else 3
    for (height, width, _), path in zip(shapes, paths):
        if min(height, width) < MIN_SIDE:
            raise DeeptoolkitError(f"Face photos must be at least {MIN_SIDE}x{MIN_SIDE} pixels. Received: {path} of {height}x{width}")

    def read(path):
        image = tf.cast(image_files.decode_image(path, channels), tf.float32)
        if crop < 1.0:
            image = tf.image.central_crop(image, float(crop))
        return tf.cast(tf.clip_by_value(tf.round(_resized(image, image_size, pad)), 0, 255), tf.uint8)

    if len(paths) > 2000:
        log.info("reading %d photos of %d people from %s", len(paths), len(names), folder)
    numbers = [_photo_number(p) for p in paths]
    if whole:
        images = np.empty(len(paths), object)  # photos of different sizes
        for i, path in enumerate(paths):
            images[i] = image_files.decode_image(tf.constant(path), channels).numpy()
        return FaceSet(images, codes, names, numbers, os.path.abspath(folder), paths)
    decoded = tf.data.Dataset.from_tensor_slices(paths).map(read, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    images = np.concatenate([batch for batch in decoded.batch(512).as_numpy_iterator()])
    return FaceSet(images, codes, names, numbers, os.path.abspath(folder), paths)


def _from_tfds(name):
    builder, train = tfds_split(name, "train")
    features = builder.info.features
    image_key = next((k for k in features if k.startswith("image")), None)
    label_key = next((k for k in ("label", "person", "identity") if k in features), None)
    if image_key is None or label_key is None:
        raise DeeptoolkitError(f"tfds:{name} has no image and person label features (it has {list(features)}). Received: data='tfds:{name}'")
    images, labels = [], []
    for example in train.as_numpy_iterator():
        images.append(example[image_key])
        labels.append(example[label_key])
    label_feature = features[label_key]
    names_of = getattr(label_feature, "names", None)
    raw = [names_of[int(v)] if names_of else (v.decode() if isinstance(v, bytes) else str(v)) for v in labels]
    names, codes = np.unique(raw, return_inverse=True)
    shapes = {image.shape for image in images}
    if len(shapes) > 1:
        images = [tf.image.resize(image, next(iter(shapes))[:2]).numpy() for image in images]
    return _from_arrays(np.stack(images), codes, list(names), f"tfds:{name}")
