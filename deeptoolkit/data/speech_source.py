"""What SpeechRecognizer trains on, from what people have: a folder of WAV files labelled by
sub-folder or by a `{label}_...` file-name prefix (optionally in train/ and test/ folders), a
CSV/TSV manifest of path and transcript as speech corpora ship them, arrays with labels and a
sample rate, a tf.data.Dataset of (audio, transcript), or the embedded `builtin:digits`
(`builtin:connected-digits` for sequences). Every clip is read once here, so that a bad file is
named before training starts."""

import csv
import dataclasses
import os

import numpy as np

from deeptoolkit import inputs
from deeptoolkit.data import spoken_digits
from deeptoolkit.data.audio import Clip, from_array, read_clip
from deeptoolkit.errors import DeeptoolkitError

DIGITS, CONNECTED_DIGITS = "builtin:digits", "builtin:connected-digits"
PATH_COLUMNS = ("path", "file", "filename", "file_name", "wav_filename", "audio", "wav")
TEXT_COLUMNS = ("transcript", "sentence", "text", "transcription", "label", "words")
# builtin:connected-digits: sequences made from the embedded words (train voices / test voices).
CONNECTED_TRAIN, CONNECTED_TEST = 1000, 200


@dataclasses.dataclass
class SpeechSet:
    """Clips (WAV paths, or Clips in memory) with one target each (a label or a transcript)."""

    clips: list
    targets: list
    seconds: np.ndarray

    def __len__(self):
        return len(self.clips)

    def take(self, indices):
        return SpeechSet([self.clips[i] for i in indices], [self.targets[i] for i in indices], self.seconds[np.asarray(indices, int)])


@dataclasses.dataclass
class SpeechSource:
    train: SpeechSet
    test: SpeechSet = None
    spec: str = None  # where it came from, saved with the model (None: given in memory)


def in_memory(clips, targets):
    return SpeechSet(list(clips), [_target(t) for t in targets], np.array([clip.seconds for clip in clips], "float64"))


def load_speech_source(data, labels=None, rate=None, sequences=False):
    """A SpeechSource for `data`; `rate`: the sample rate of arrays (files carry their own)."""
    if data is None:
        data = CONNECTED_DIGITS if sequences else DIGITS
    if isinstance(data, str) and data.startswith("builtin:"):
        return _builtin(data)
    if isinstance(data, (str, os.PathLike)):
        path = os.fspath(data)
        if os.path.isdir(path):
            return _folder(path)
        if os.path.isfile(path) and path.lower().endswith((".csv", ".tsv")):
            return SpeechSource(_manifest(path), spec=os.path.abspath(path))
        raise DeeptoolkitError(f"Expected a folder of WAV files, a .csv/.tsv manifest, arrays, a tf.data.Dataset or "
                               f"{DIGITS!r}. Received: data={path!r} (no such folder or manifest)")
    if _is_dataset(data):
        return SpeechSource(_dataset(data, rate))
    if isinstance(data, (list, tuple, np.ndarray)):
        if labels is None:
            raise DeeptoolkitError("Clips given as arrays need their labels or transcripts: fit(clips, labels). Received: labels=None")
        clips = [from_array(array, rate, f"clip {index}") for index, array in enumerate(data)]
        if len(labels) != len(clips):
            raise DeeptoolkitError(f"Expected one label per clip. Received: {len(clips)} clips and {len(labels)} labels")
        return SpeechSource(in_memory(clips, labels))
    raise DeeptoolkitError(f"Expected a folder of WAV files, a .csv/.tsv manifest, arrays, a tf.data.Dataset or {DIGITS!r}. "
                           f"Received: data of type {type(data).__name__}")


def _target(value):
    text = " ".join((value.decode() if isinstance(value, bytes) else str(value)).split())
    if not text:
        raise DeeptoolkitError(f"Expected a label or transcript with words in it. Received: {value!r}")
    return text


def _builtin(spec):
    (train, train_labels), (test, test_labels) = spoken_digits.split()
    if spec == DIGITS:
        return SpeechSource(in_memory(train, train_labels), in_memory(test, test_labels), spec)
    if spec == CONNECTED_DIGITS:
        from deeptoolkit.data.connected_speech import join_clips

        return SpeechSource(in_memory(*join_clips(train, train_labels, CONNECTED_TRAIN, seed=0)),
                            in_memory(*join_clips(test, test_labels, CONNECTED_TEST, seed=1)), spec)
    raise DeeptoolkitError(f"Expected {DIGITS!r} or {CONNECTED_DIGITS!r}. Received: data={spec!r}")


def _files(paths, targets):
    """A SpeechSet of WAV files, each read once (a file that cannot be used is named now)."""
    seconds = np.array([read_clip(path).seconds for path in paths], "float64")
    return SpeechSet(list(paths), [_target(t) for t in targets], seconds)


def _folder(path):
    parts = {entry.name: entry.path for entry in os.scandir(path) if entry.is_dir()}
    if {"train", "test"} <= set(parts):
        return SpeechSource(_labelled_folder(parts["train"]), _labelled_folder(parts["test"]), os.path.abspath(path))
    return SpeechSource(_labelled_folder(path), spec=os.path.abspath(path))


def _labelled_folder(path):
    """Clips labelled by their sub-folder, or else by the file-name prefix before the first '_'."""
    folders = sorted(entry.path for entry in os.scandir(path) if entry.is_dir())
    if folders:
        paths, labels = [], []
        for folder in folders:
            found = inputs.expand_audio(folder) if _has_audio(folder) else []
            paths += found
            labels += [os.path.basename(folder)] * len(found)
        if paths:
            return _files(paths, labels)
    paths = inputs.expand_audio(path)
    unlabelled = [p for p in paths if "_" not in os.path.basename(p)]
    if unlabelled:
        raise DeeptoolkitError(f"Expected clips labelled by sub-folder or named '{{label}}_....wav'. Received: "
                               f"{unlabelled[0]!r} in {path!r} has neither")
    return _files(paths, [os.path.basename(p).split("_")[0] for p in paths])


def _has_audio(folder):
    return any(name.lower().endswith(inputs.AUDIO_EXTENSIONS) for name in os.listdir(folder))


def _manifest(path):
    """A SpeechSet from a CSV/TSV of path and transcript (a header naming them, or those two columns)."""
    delimiter = "\t" if path.lower().endswith(".tsv") else ","
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = [row for row in csv.reader(handle, delimiter=delimiter) if any(cell.strip() for cell in row)]
    except UnicodeDecodeError as error:
        raise DeeptoolkitError(f"Expected a UTF-8 manifest of path and transcript rows. Received: {path!r} (byte "
                               f"{error.start} is not UTF-8)") from None
    except csv.Error as error:
        raise DeeptoolkitError(f"Expected a CSV/TSV manifest of path and transcript rows. Received: {path!r} ({error})") from None
    if not rows:
        raise DeeptoolkitError(f"Expected a manifest of path and transcript rows. Received: an empty file {path!r}")
    header = [cell.strip().lower() for cell in rows[0]]
    where = next((header.index(c) for c in PATH_COLUMNS if c in header), None)
    what = next((header.index(c) for c in TEXT_COLUMNS if c in header), None)
    has_header = where is not None and what is not None
    if has_header:
        rows = rows[1:]
    else:
        where, what = 0, 1
    folder = os.path.dirname(os.path.abspath(path))
    paths, transcripts = [], []
    for number, row in enumerate(rows, start=2 if has_header else 1):
        if len(row) <= max(where, what):
            raise DeeptoolkitError(f"Expected a path and a transcript on each row of {path!r}. Received: row {number} {row!r}")
        paths.append(os.path.join(folder, row[where].strip()))
        transcripts.append(row[what])
        if not os.path.isfile(paths[-1]):
            raise DeeptoolkitError(f"Expected each row of the manifest {path!r} to name a WAV file. Received: row {number} "
                                   f"names {row[where].strip()!r}, which does not exist")
    try:
        return _files(paths, transcripts)
    except DeeptoolkitError as error:
        raise DeeptoolkitError(f"{error} (listed in the manifest {path!r})") from None


def _is_dataset(data):
    return type(data).__module__.startswith("tensorflow") and hasattr(data, "as_numpy_iterator")


def _dataset(dataset, rate):
    """A Dataset of (audio, transcript) pairs, read into memory once."""
    clips, targets = [], []
    for index, element in enumerate(dataset.as_numpy_iterator()):
        if not isinstance(element, tuple) or len(element) != 2:
            raise DeeptoolkitError("Expected a tf.data.Dataset of (audio, label) pairs. Received: an element of "
                                   f"{type(element).__name__}")
        clips.append(from_array(element[0], rate, f"dataset element {index}"))
        targets.append(element[1])
    if not clips:
        raise DeeptoolkitError("Expected a tf.data.Dataset with clips in it. Received: an empty dataset")
    return in_memory(clips, targets)


def is_one_clip(items):
    """Whether `items` is one clip (a file, bytes, a Clip, a 1-D array) rather than several."""
    if isinstance(items, (str, os.PathLike)):
        return not os.path.isdir(items)
    return isinstance(items, (bytes, Clip)) or isinstance(items, np.ndarray) and items.ndim == 1


def as_clips(items, rate, name="clip"):
    """Clips to predict on: WAV paths (files or folders), bytes, Clips or arrays at `rate`."""
    if is_one_clip(items) or isinstance(items, (str, os.PathLike)):
        items = [items]
    if isinstance(items, np.ndarray):
        items = list(items)
    if not isinstance(items, (list, tuple)) or not items:
        raise DeeptoolkitError(f"Expected a WAV file, a folder, bytes, an array of samples or a list of them. Received: "
                               f"{name} of type {type(items).__name__}")
    clips = []
    for index, item in enumerate(inputs.expand_audio(items)):
        if isinstance(item, Clip):
            clips.append(item)
        elif isinstance(item, (str, bytes)):
            clips.append(read_clip(item, name))
        else:
            clips.append(from_array(item, rate, f"{name} {index}"))
    return clips
