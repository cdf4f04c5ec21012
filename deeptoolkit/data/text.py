"""Read training text: UTF-8 files, folders of them, strings, tfds:NAME, or the embedded corpus.

    "builtin:python-docs"   the embedded default: the English help texts that ship with Python
                            itself (pydoc_data, PSF licence), ~465,000 characters, no download
    "tfds:NAME"             a TensorFlow Datasets text data set already on disk
    a file or folder path   UTF-8 text; a folder's files are read in sorted order
    any other string        the text itself
"""

import logging
import os

from deeptoolkit.data.tfds_source import tfds_split
from deeptoolkit.errors import DeeptoolkitError

log = logging.getLogger("deeptoolkit")

BUILTIN_TEXT = "builtin:python-docs"


def read_text(data):
    """(text, spec) for any accepted `data`; spec is what a saved model records as its source."""
    if data is None or data == BUILTIN_TEXT:
        return builtin_text(), BUILTIN_TEXT
    if isinstance(data, str) and data.startswith("builtin:"):
        raise DeeptoolkitError(f"Unknown built-in text. Expected {BUILTIN_TEXT!r}. Received: data={data!r}")
    if isinstance(data, str) and data.startswith("tfds:"):
        return _tfds_text(data[len("tfds:"):]), data
    if isinstance(data, os.PathLike) or (isinstance(data, str) and os.path.exists(data)):
        path = os.fspath(data)
        if os.path.isdir(path):
            return read_text_folder(path), os.path.abspath(path)
        return read_text_file(path), os.path.abspath(path)
    if not isinstance(data, str):
        raise DeeptoolkitError(
            f"Expected a text file or folder path, a string of text, 'tfds:NAME' or {BUILTIN_TEXT!r}. "
            f"Received: data of type {type(data).__name__}"
        )
    if _looks_like_a_path(data):
        raise DeeptoolkitError(f"No such text file or folder. Received: data={data!r}")
    if not data:
        raise DeeptoolkitError("Expected some text to train on. Received: data=''")
    return data, "string"


def _looks_like_a_path(data):
    # A one-line string without spaces that names a .txt file or has a folder in it is far
    # more likely a mistyped path than text someone wants to train on.
    return bool(data) and "\n" not in data and " " not in data and (data.endswith(".txt") or os.sep in data)


def read_text_file(path):
    """The file's text; an empty, binary or non-UTF-8 file is an error naming the file."""
    with open(path, "rb") as handle:
        raw = handle.read()
    if not raw.strip():
        raise DeeptoolkitError(f"Expected a text file with some text in it. Received: an empty file {path!r}")
    if b"\x00" in raw:
        raise DeeptoolkitError(f"Expected a UTF-8 text file. Received: a binary file (NUL byte at offset {raw.index(0)}) {path!r}")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DeeptoolkitError(
            f"Expected a UTF-8 text file. Received: {path!r}, which is not UTF-8 at byte {error.start} "
            f"(convert it, e.g. `iconv -f latin1 -t utf-8`)"
        ) from None


def read_text_folder(folder):
    """The text of every UTF-8 file under `folder`, sorted by path; other files are skipped with a warning."""
    paths = sorted(
        os.path.join(root, name)
        for root, dirs, names in os.walk(folder)
        for name in names
        if not name.startswith(".")
    )
    texts = []
    for path in paths:
        try:
            texts.append(read_text_file(path))
        except DeeptoolkitError as error:
            log.warning("skipped %s: %s", path, error)
    if not texts:
        raise DeeptoolkitError(f"Expected a folder with UTF-8 text files. Received: none readable in {folder!r}")
    return "\n".join(texts)


def builtin_text():
    try:
        from pydoc_data.topics import topics
    except ImportError:  # some distributions split the docs out of the standard library
        raise DeeptoolkitError(
            f"{BUILTIN_TEXT} needs Python's pydoc_data module, which this Python lacks. Pass a text file instead."
        ) from None
    return "\n\n".join(topics[name].strip() for name in sorted(topics))


def _tfds_text(name):
    _, train = tfds_split(name, "train")
    texts = []
    for example in train.as_numpy_iterator():
        texts.extend(value.decode("utf-8", errors="replace") for value in example.values() if isinstance(value, bytes))
    if not texts:
        raise DeeptoolkitError(f"Expected a text feature in tfds:{name}. Received: none in its train split")
    return "\n".join(texts)
