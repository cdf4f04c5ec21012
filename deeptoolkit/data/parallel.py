"""Parallel text for translation: Tatoeba/Anki files, aligned file pairs, lists of pairs, tfds:NAME.

    "builtin:phrasebook"          the embedded default: generated English-French sentences
    path/fra.txt                  Tatoeba/Anki: English<TAB>French[<TAB>attribution] per line
    ("train.en", "train.fr")      two aligned files, one sentence per line
    [("a cat .", "un chat ."), ...]  a list of (source, target) pairs
    "tfds:NAME"                   a TensorFlow Datasets translation set already on disk

`reverse=True` swaps the columns (translate French to English from the same file).
"""

import os
import re

from deeptoolkit.data.tfds_source import tfds_split
from deeptoolkit.errors import DeeptoolkitError

BUILTIN_PAIRS = "builtin:phrasebook"

# Words (with French elisions such as l' and j' kept on the word that precedes the apostrophe),
# numbers and single punctuation marks; everything is lower-cased first, on both sides alike.
_TOKEN = re.compile(r"\w+'|\w+(?:[-']\w+)*|[^\w\s]")


def tokenize(sentence):
    return _TOKEN.findall(sentence.lower())


def detokenize(tokens):
    """Readable text from tokens: no space before closing punctuation or after an elision."""
    text = " ".join(tokens)
    text = re.sub(r" ([.,;:!?)\]])", r"\1", text)
    return re.sub(r"(\w') ", r"\1", text)


def read_pairs(data, reverse=False):
    """(list of (source, target) sentence pairs, spec) for any accepted `data`."""
    if data is None or data == BUILTIN_PAIRS:
        from deeptoolkit.data.phrasebook import generate_pairs

        pairs, spec = generate_pairs(), BUILTIN_PAIRS
    elif isinstance(data, str) and data.startswith("builtin:"):
        raise DeeptoolkitError(f"Unknown built-in pairs. Expected {BUILTIN_PAIRS!r}. Received: data={data!r}")
    elif isinstance(data, str) and data.startswith("tfds:"):
        pairs, spec = _tfds_pairs(data[len("tfds:"):]), data
    elif isinstance(data, (str, os.PathLike)):
        path = os.fspath(data)
        if not os.path.isfile(path):
            raise DeeptoolkitError(f"No such file of sentence pairs. Received: data={path!r}")
        pairs, spec = read_tab_file(path), os.path.abspath(path)
    elif isinstance(data, tuple) and len(data) == 2 and all(isinstance(p, (str, os.PathLike)) for p in data):
        pairs, spec = read_aligned_files(*data), [os.path.abspath(os.fspath(p)) for p in data]
    elif isinstance(data, list):
        pairs, spec = _checked_list(data), None
    else:
        raise DeeptoolkitError(
            f"Expected a Tatoeba/Anki file, two aligned files (source, target), a list of (source, target) pairs, "
            f"'tfds:NAME' or {BUILTIN_PAIRS!r}. Received: data of type {type(data).__name__}"
        )
    if not pairs:
        raise DeeptoolkitError(f"Expected at least one sentence pair. Received: none in data={data!r}")
    if reverse:
        pairs = [(target, source) for source, target in pairs]
    return pairs, spec


def _read_lines(path):
    with open(path, "rb") as handle:
        raw = handle.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DeeptoolkitError(
            f"{path}:{line}: expected UTF-8 text. Received: a byte that is not UTF-8 (convert the file, e.g. `iconv -f latin1 -t utf-8`)"
        ) from None
    return text.splitlines()


def read_sentences(path):
    """The sentences of a UTF-8 text file, one per non-blank line, stripped."""
    return [line.strip() for line in _read_lines(os.fspath(path)) if line.strip()]


def read_tab_file(path):
    """Tatoeba/Anki lines: source<TAB>target[<TAB>attribution]; blank lines are skipped."""
    pairs = []
    for number, line in enumerate(_read_lines(path), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 2:
            raise DeeptoolkitError(f"{path}:{number}: expected source<TAB>target. Received: a line without a tab: {line[:60]!r}")
        source, target = fields[0].strip(), fields[1].strip()
        if not source or not target:
            side = "source" if not source else "target"
            raise DeeptoolkitError(f"{path}:{number}: expected text on both sides of the tab. Received: an empty {side}")
        pairs.append((source, target))
    return pairs


def read_aligned_files(source_path, target_path):
    sources, targets = _read_lines(os.fspath(source_path)), _read_lines(os.fspath(target_path))
    if len(sources) != len(targets):
        raise DeeptoolkitError(
            f"Aligned files must have as many lines. Received: {len(sources)} in {os.fspath(source_path)!r}, "
            f"{len(targets)} in {os.fspath(target_path)!r}"
        )
    pairs = []
    for number, (source, target) in enumerate(zip(sources, targets), start=1):
        if not source.strip() and not target.strip():
            continue
        if not source.strip() or not target.strip():
            empty = source_path if not source.strip() else target_path
            raise DeeptoolkitError(f"{os.fspath(empty)}:{number}: expected a sentence. Received: an empty line facing a non-empty one")
        pairs.append((source.strip(), target.strip()))
    return pairs


def _checked_list(data):
    for index, pair in enumerate(data):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and all(isinstance(s, str) and s.strip() for s in pair)):
            raise DeeptoolkitError(f"Expected (source, target) pairs of non-empty strings. Received: data[{index}]={pair!r}")
    return [(s.strip(), t.strip()) for s, t in data]


def _tfds_pairs(name):
    _, train = tfds_split(name, "train", as_supervised=True)
    return [(s.decode("utf-8"), t.decode("utf-8")) for s, t in train.as_numpy_iterator()]
