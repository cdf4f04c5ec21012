"""Captioned images from what practitioners have, as one `CaptionSet`.

Accepted inputs (`read_captions(data)`):
    "builtin:scenes"        generated shapes scenes (`shape_scenes`), in memory
    "tfds:NAME"             a TensorFlow Datasets catalogue set on disk with an image and
                            captions feature (e.g. coco_captions), read into memory
    a caption file          Flickr8k token format `image.jpg#0<TAB>caption`, a CSV with the
                            header `image,caption` (several rows per image), or COCO captions
                            JSON (`images` with id and file_name, `annotations` with image_id
                            and caption); the images are looked up in an `images/` or
                            `Images/` folder beside the file, or beside the file itself
    a folder                holding one such caption file and the images
    (caption file, image folder)
    (images, captions)      a uint8 array (N, H, W, 3) and, per image, a caption string or a
                            list of them
    a CaptionSet            e.g. a part of one read before (`read_captions(...).take(...)`)

Captions are lower-cased and split into words; punctuation is dropped. A caption naming an
image that is not in the folder is skipped, and so is an unreadable image: both are counted
and reported in one warning (a download with a few missing photos still trains). An empty
caption is skipped with a warning naming its file and line. A CSV without an `image` and a
`caption` column, or a line without a tab in a token file, is an error naming file and line.
"""

import csv
import json
import logging
import os
import re

import numpy as np

from deeptoolkit.data import image_files, shape_scenes
from deeptoolkit.data.images import as_rgb
from deeptoolkit.errors import DeeptoolkitError

log = logging.getLogger("deeptoolkit")

CAPTION_FILE_NAMES = ("captions.txt", "captions.csv", "Flickr8k.token.txt", "Flickr30k.token.txt", "results_20130124.token",
                      "captions.json")
IMAGE_FOLDER_NAMES = ("images", "Images", "Flicker8k_Dataset", "Flickr8k_Dataset", "flickr30k-images")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def tokenize(text):
    """Lower-cased words of a caption, punctuation dropped: "A dog's ball." -> [a, dog's, ball]."""
    return _WORD.findall(str(text).lower())


class CaptionSet:
    """Images (file paths, or uint8 arrays in memory) and each image's tokenised captions."""

    def __init__(self, names, captions, paths=None, pixels=None, spec=None):
        self.names = list(names)
        self.captions = [list(c) for c in captions]
        self.paths = None if paths is None else np.asarray(paths)
        self.pixels = pixels
        self.spec = spec

    def __len__(self):
        return len(self.names)

    @property
    def in_memory(self):
        return self.pixels is not None

    def take(self, indices):
        indices = np.asarray(indices, "int64")
        return CaptionSet(
            [self.names[i] for i in indices],
            [self.captions[i] for i in indices],
            None if self.paths is None else self.paths[indices],
            None if self.pixels is None else self.pixels[indices],
            self.spec,
        )


# ----------------------------------------------------------------------------- caption files
def _read_text(path):
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return handle.read()
    except UnicodeDecodeError as error:
        raise DeeptoolkitError(f"Expected a UTF-8 caption file. Received: {path} (byte {error.start} is not UTF-8)") from error


def _keep(path, line, name, caption, found):
    words = tokenize(caption)
    if not words:
        log.warning("skipping %s:%d: empty caption for %s", path, line, name)
        return
    found.setdefault(name, []).append(words)


def read_flickr_tokens(path):
    """{image name: [caption words]} from the Flickr8k/30k token format `name.jpg#0<TAB>caption`."""
    found = {}
    for line, text in enumerate(_read_text(path).splitlines(), 1):
        if not text.strip():
            continue
        if "\t" not in text:
            raise DeeptoolkitError(f"Expected `image.jpg#N<TAB>caption`. Received: {path}:{line}: no tab in {text[:80]!r}")
        key, caption = text.split("\t", 1)
        name = key.rsplit("#", 1)[0].strip()
        if not name:
            raise DeeptoolkitError(f"Expected an image name before the tab. Received: {path}:{line}: {text[:80]!r}")
        _keep(path, line, name, caption, found)
    return found


def read_caption_csv(path):
    """{image name: [caption words]} from a CSV with the header `image,caption`."""
    reader = csv.reader(_read_text(path).splitlines())
    try:
        rows = iter(list(reader))
    except csv.Error as error:  # e.g. a field over the csv module's size limit
        raise DeeptoolkitError(f"Expected `image,caption` CSV rows. Received: {path}:{reader.line_num}: {error}") from None
    header = [cell.strip().lower() for cell in next(rows, [])]
    if "image" not in header or "caption" not in header:
        raise DeeptoolkitError(f"Expected a CSV header with `image` and `caption` columns. Received: {path}:1: {header}")
    image_column, caption_column = header.index("image"), header.index("caption")
    found = {}
    for line, row in enumerate(rows, 2):
        if not row:
            continue
        if len(row) <= max(image_column, caption_column):
            raise DeeptoolkitError(f"Expected {len(header)} columns ({','.join(header)}). Received: {path}:{line}: {row}")
        _keep(path, line, row[image_column].strip(), row[caption_column], found)
    return found


def read_coco_json(path):
    """{image file name: [caption words]} from COCO captions JSON."""
    try:
        document = json.loads(_read_text(path))
        names = {entry["id"]: entry["file_name"] for entry in document["images"]}
        annotations = [(entry["image_id"], entry["caption"]) for entry in document["annotations"]]
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise DeeptoolkitError(
            f"Expected COCO captions JSON: `images` with id and file_name, `annotations` with image_id and caption. "
            f"Received: {path} ({type(error).__name__}: {error})"
        ) from error
    found = {}
    for number, (image_id, caption) in enumerate(annotations, 1):
        if image_id not in names:
            raise DeeptoolkitError(f"Annotation names an image id missing from `images`. Received: {path}: annotation {number}, image_id={image_id!r}")
        _keep(path, number, names[image_id], caption, found)
    return found


def read_caption_file(path):
    path = os.fspath(path)
    if path.lower().endswith(".json"):
        return read_coco_json(path)
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        first = handle.readline()
    if "\t" in first and "#" in first.split("\t", 1)[0]:
        return read_flickr_tokens(path)
    return read_caption_csv(path)


# ----------------------------------------------------------------------------- locating files
def _find_caption_file(folder):
    for name in CAPTION_FILE_NAMES:
        if os.path.isfile(os.path.join(folder, name)):
            return os.path.join(folder, name)
    raise DeeptoolkitError(f"Expected a caption file ({', '.join(CAPTION_FILE_NAMES)}) in the folder. Received: data={folder!r}")


def _find_image_folder(base):
    for name in IMAGE_FOLDER_NAMES:
        if os.path.isdir(os.path.join(base, name)):
            return os.path.join(base, name)
    return base


def _locate(data):
    """(caption file, image folder) for a folder, a caption file, or such a pair."""
    if isinstance(data, (tuple, list)) and len(data) == 2:
        caption_file, folder = (os.fspath(d) for d in data)
        if not os.path.isdir(folder):
            raise DeeptoolkitError(f"Image folder does not exist. Received: {folder!r}")
    else:
        path = os.fspath(data)
        if os.path.isdir(path):
            return _find_caption_file(path), _find_image_folder(path)
        caption_file, folder = path, _find_image_folder(os.path.dirname(os.path.abspath(path)))
    if not os.path.isfile(caption_file):
        raise DeeptoolkitError(f"Caption file does not exist. Received: {caption_file!r}")
    return caption_file, folder


def read_captions(data=None):
    """A CaptionSet for any accepted `data` (see the module docstring)."""
    if isinstance(data, CaptionSet):
        # A subset chosen in memory cannot be re-read from its spec later.
        return CaptionSet(data.names, data.captions, data.paths, data.pixels, spec=None)
    if data is None or data == shape_scenes.BUILTIN:
        images, captions = shape_scenes.builtin_split("train")
        return _in_memory(images, captions, shape_scenes.BUILTIN)
    if isinstance(data, str) and data.startswith("builtin:"):
        raise DeeptoolkitError(f"Unknown built-in data set. Expected {shape_scenes.BUILTIN!r}. Received: data={data!r}")
    if isinstance(data, str) and data.startswith("tfds:"):
        return _from_tfds(data)
    if isinstance(data, (tuple, list)) and len(data) == 2 and isinstance(data[0], np.ndarray):
        return _from_arrays(*data)
    if not isinstance(data, (str, os.PathLike, tuple, list)):
        raise DeeptoolkitError(
            f"Expected a caption file, a folder, (caption file, image folder), {shape_scenes.BUILTIN!r} or 'tfds:NAME'. "
            f"Received: data of type {type(data).__name__}"
        )
    if not isinstance(data, (tuple, list)) and not os.path.exists(os.fspath(data)):
        raise DeeptoolkitError(f"Data path does not exist. Received: data={os.fspath(data)!r}")
    caption_file, folder = _locate(data)
    found = read_caption_file(caption_file)
    if not found:
        raise DeeptoolkitError(f"Expected at least one caption. Received: {caption_file} has none")
    names, paths, captions, missing, unreadable = [], [], [], 0, 0
    for name in sorted(found):
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            missing += 1
            continue
        if image_files.probe_image(path) is None:
            unreadable += 1
            continue
        names.append(name)
        paths.append(path)
        captions.append(found[name])
    if missing or unreadable:
        log.warning("%s: skipped %d captioned image(s) missing from %s and %d unreadable; kept %d",
                    caption_file, missing, folder, unreadable, len(names))
    if not names:
        raise DeeptoolkitError(f"None of the {len(found)} images named in {caption_file} is a readable file in {folder}")
    spec = [os.path.abspath(caption_file), os.path.abspath(folder)]
    return CaptionSet(names, captions, paths=paths, spec=spec)


def _in_memory(images, captions, spec):
    return CaptionSet([f"{spec}:{i}" for i in range(len(images))], [[tokenize(c) for c in cs] for cs in captions],
                      pixels=images, spec=spec)


def _from_arrays(images, captions):
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[-1] not in (1, 3, 4):
        raise DeeptoolkitError(f"Expected images of shape (N, H, W, 3) (or 1 or 4 channels). Received: images of shape {images.shape}")
    if len(captions) != len(images):
        raise DeeptoolkitError(f"Expected one caption (or list of captions) per image. Received: {len(images)} images, {len(captions)} captions")
    images = np.clip(as_rgb(images), 0, 255).astype("uint8")
    captions = [[c] if isinstance(c, str) else list(c) for c in captions]
    for index, texts in enumerate(captions):
        if not any(tokenize(t) for t in texts):
            raise DeeptoolkitError(f"Expected at least one caption with words per image. Received: image {index}: {texts!r}")
    return CaptionSet([f"array:{i}" for i in range(len(images))], [[tokenize(t) for t in texts if tokenize(t)] for texts in captions],
                      pixels=images, spec=None)


def builtin_test():
    images, captions = shape_scenes.builtin_split("test")
    return _in_memory(images, captions, shape_scenes.BUILTIN + ":test")


def _from_tfds(data, size=256):
    """A catalogue set with an image feature and a captions text feature, read into memory.

    Images are resized to at most `size` pixels a side here, so that a few thousand fit in
    memory; the model resizes them again to its own input size.
    """
    import tensorflow as tf

    from deeptoolkit.data.tfds_source import tfds_split

    _, dataset = tfds_split(data[len("tfds:"):], "train")
    images, captions = [], []
    for example in dataset:
        texts = example.get("captions", {}).get("text") if isinstance(example.get("captions"), dict) else example.get("caption")
        if "image" not in example or texts is None:
            raise DeeptoolkitError(f"Expected a data set with `image` and `captions/text` (or `caption`) features. Received: {data}")
        image = tf.image.resize(example["image"], (size, size), preserve_aspect_ratio=True)
        images.append(np.asarray(tf.image.resize_with_pad(image, size, size), "uint8"))
        texts = np.atleast_1d(np.asarray(texts))
        captions.append([t.decode() if isinstance(t, bytes) else str(t) for t in texts])
    if not images:
        raise DeeptoolkitError(f"The data set has no examples. Received: {data}")
    return _in_memory(np.stack(images), captions, data)
