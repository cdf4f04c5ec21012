"""The standard data sets by name: `deeptoolkit data list | get NAME`, and NAME as `--data` / `fit(NAME)`.

    babi:en, babi:en-10k        bAbI tasks 1-20 (a folder of *_train.txt / *_test.txt); babi:en/qa1 one task's training file
    tinyshakespeare             Karpathy's 1.1 MB of Shakespeare
    anki:fra-eng                Tatoeba's English-French pairs (the Anki export)
    lfw                         Labeled Faces in the Wild (a folder of person folders) and its pairs.txt
    fsdd                        the Free Spoken Digit Dataset (a folder of {digit}_{speaker}_{index}.wav)
    orl, flickr8k               no direct download: `data get` prints the steps

Each is downloaded on first use into the cache (`deeptoolkit.data.downloads`), checked against
a SHA-256 (published, or pinned at the first download where none is), extracted safely, then read
by the task's own loader.
"""

import dataclasses
import glob
import os

from deeptoolkit.data import downloads
from deeptoolkit.errors import DeeptoolkitError


@dataclasses.dataclass(frozen=True)
class Remote:
    url: str
    filename: str
    sha256: str = None  # None: no published checksum; the first download's is pinned
    checksum_from: str = "none published: pinned at the first download"


@dataclasses.dataclass(frozen=True)
class DataSet:
    name: str
    what: str
    task: str
    size: str
    licence: str
    files: tuple = ()
    archive: bool = False  # the first file is an archive, extracted into the data set's folder
    steps: str = None  # how to get it by hand, when there is no direct download


BABI = DataSet("babi", "bAbI question answering, tasks 1-20 (en: 1k, en-10k: 10k questions per task)", "memnn", "15 MB",
               "CC BY 3.0 (Facebook)", (Remote("http://www.thespermwhale.com/jaseweston/babi/tasks_1-20_v1-2.tar.gz",
                                               "tasks_1-20_v1-2.tar.gz"),), archive=True)
DATASETS = {
    "babi": BABI,
    "tinyshakespeare": DataSet("tinyshakespeare", "Shakespeare's plays, 1,115,394 characters", "char-rnn", "1.1 MB", "public domain",
                               (Remote("https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",
                                       "input.txt", "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
                                       "tensorflow-datasets tiny_shakespeare/checksums.tsv"),)),
    "anki:fra-eng": DataSet("anki:fra-eng", "English-French sentence pairs (Tatoeba via manythings.org/anki)", "translator", "3.4 MB",
                            "CC BY 2.0 FR (Tatoeba)", (Remote("http://storage.googleapis.com/download.tensorflow.org/data/fra-eng.zip",
                                                              "fra-eng.zip"),), archive=True),
    "lfw": DataSet("lfw", "Labeled Faces in the Wild: 13,233 photos of 5,749 people, and the 10-fold pairs.txt", "face-verifier",
                   "173 MB", "research use (UMass Amherst)",
                   (Remote("http://vis-www.cs.umass.edu/lfw/lfw.tgz", "lfw.tgz",
                           "055f7d9c632d7370e6fb4afc7468d40f970c34a80d4c6f50ffec63f5a8d536c0", "tensorflow-datasets lfw/checksums.tsv"),
                    Remote("http://vis-www.cs.umass.edu/lfw/pairs.txt", "pairs.txt")), archive=True),
    "fsdd": DataSet("fsdd", "Free Spoken Digit Dataset: the digits 0-9 spoken by 6 people, 50 times each, 8 kHz WAV", "speech",
                    "17 MB", "CC BY-SA 4.0 (Z. Jackson et al.)",
                    (Remote("https://github.com/Jakobovski/free-spoken-digit-dataset/archive/refs/tags/v1.0.10.tar.gz",
                            "free-spoken-digit-dataset-1.0.10.tar.gz"),), archive=True),
    "orl": DataSet("orl", "ORL / AT&T faces: 40 people x 10 greyscale photos, 92x112", "face-verifier", "4.9 MB",
                   "free for research (credit Olivetti Research Laboratory)",
                   steps="AT&T's archive is offline. Get att_faces.zip from a copy you trust (e.g. Kaggle's 'AT&T Database of "
                         "Faces'), unzip it so that s1 ... s40 are folders, and pass that folder as --data."),
    "flickr8k": DataSet("flickr8k", "Flickr8k: 8,091 photos with 5 captions each", "captioner", "1 GB",
                        "research use only (University of Illinois form)",
                        steps="Its licence asks each user to request it: fill in the form linked from "
                              "https://hockenmaier.cs.illinois.edu/8k-pictures.html, then put the photos in images/ and the "
                              "captions in captions.txt (CSV image,caption) of one folder and pass it as --data."),
}


def known(spec):
    """Whether `spec` names a data set of the catalog (e.g. "tinyshakespeare", "babi:en/qa1")."""
    return isinstance(spec, str) and (spec in DATASETS or spec.startswith("babi:"))


def entry(spec):
    if spec.startswith("babi:"):
        return BABI
    if spec not in DATASETS:
        raise DeeptoolkitError(f"Unknown data set {spec!r}. Expected one of {sorted(DATASETS)} (babi:en, babi:en-10k, babi:en/qa1 ...); "
                               "`deeptoolkit data list` shows them")
    return DATASETS[spec]


def folder_of(data_set):
    return os.path.join(downloads.cache_dir(), data_set.name.replace(":", "-"))


def is_cached(data_set):
    folder = folder_of(data_set)
    names = [f.filename for f in data_set.files[1:]] if data_set.archive else [f.filename for f in data_set.files]
    return bool(data_set.files) and (not data_set.archive or os.path.isdir(os.path.join(folder, "extracted"))) and \
        all(os.path.isfile(os.path.join(folder, n)) for n in names)


def fetch(data_set):
    """The data set's folder in the cache, downloaded, checked and extracted if it was not there."""
    if data_set.steps:
        raise DeeptoolkitError(f"{data_set.name} cannot be downloaded directly. {data_set.steps}")
    folder = folder_of(data_set)
    for index, remote in enumerate(data_set.files):
        pinned = os.path.join(folder, remote.filename + ".sha256")
        expected = remote.sha256 or _read_pinned(pinned)
        extracted = os.path.join(folder, "extracted")
        if index == 0 and data_set.archive and os.path.isdir(extracted):
            continue
        path = downloads.download(remote.url, remote.filename, folder, expected)
        if expected is None:
            with open(pinned, "w") as handle:
                handle.write(downloads.sha256(path) + "\n")
        if index == 0 and data_set.archive:
            downloads.extract(path, extracted)
            os.remove(path)  # the extracted folder is what is kept; its hash stays pinned beside it
    return folder


def _read_pinned(path):
    """The SHA-256 pinned at a first download, or None."""
    if not os.path.isfile(path):
        return None
    with open(path) as handle:
        return handle.read().strip()


def get(spec):
    """The local path that `spec` names, fetched first if needed: a file or a folder a task reads."""
    data_set = entry(spec)
    folder = fetch(data_set)
    if data_set is BABI:
        return _babi_path(os.path.join(folder, "extracted"), spec.split(":", 1)[1] if ":" in spec else "en")
    if data_set.name == "tinyshakespeare":
        return os.path.join(folder, "input.txt")
    if data_set.name == "anki:fra-eng":
        return _one(glob.glob(os.path.join(folder, "extracted", "**", "fra.txt"), recursive=True), spec)
    if data_set.name == "lfw":
        return _one(glob.glob(os.path.join(folder, "extracted", "*")), spec)
    if data_set.name == "fsdd":
        return _one(glob.glob(os.path.join(folder, "extracted", "*", "recordings")), spec)
    return folder


def _babi_path(root, sub):
    language, _, task = sub.partition("/")
    folders = glob.glob(os.path.join(root, "*", language)) or glob.glob(os.path.join(root, language))
    if not folders:
        raise DeeptoolkitError(f"bAbI has no folder {language!r}. Expected en, en-10k, hn, hn-10k, shuffled or shuffled-10k")
    if not task:
        return folders[0]
    files = glob.glob(os.path.join(folders[0], f"{task}_*_train.txt"))
    if not files:
        raise DeeptoolkitError(f"bAbI {language} has no task {task!r}. Expected qa1 ... qa20")
    return files[0]


def _one(paths, spec):
    if len(paths) != 1:
        raise DeeptoolkitError(f"The download of {spec} does not hold what was expected (found {len(paths)} candidates)")
    return paths[0]
