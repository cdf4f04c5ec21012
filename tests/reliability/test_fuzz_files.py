"""Every reader of a binary file from outside, fed valid seed files with structure-aware
mutations (`tests/reliability/mutations.py`): each case is read correctly or refused with the
toolkit's own one-line error naming the file; any other exception, or a crash, fails.

Readers: WAV clips (files and upload bytes), speech manifests, images (files and upload bytes),
PyTorch checkpoints (both formats), HDF5 weights files, archives of the data catalogue (zip and
tar.gz) and saved models (.dtk: the zip, its metadata, the Keras config and the weights inside).
`python benchmarks/fuzz_readers.py` runs 10,000 new cases per reader and counts the outcomes.
"""

import io
import json
import os
import tempfile
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability import mutations
from tests.reliability.fuzzing import FUZZ, read_or_refuse
from tests.reliability.test_fuzz_loaders import file_bytes
from tests.speech import sounds

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(os.path.dirname(HERE), "fixtures")
def _seed_wavs():
    tone = sounds.tone("ah")
    return [sounds.wav_bytes(tone, 8000), sounds.wav_bytes(tone, 16000, "float32"), sounds.wav_bytes(tone, 8000, "uint8"),
            sounds.wav_bytes(np.stack([tone, tone], axis=1), 22050, "int32")]


WAVS = _seed_wavs()


@FUZZ
@given(st.sampled_from(WAVS).flatmap(lambda seed: mutations.mutated(seed, head=48)))
def test_wav_files(data):
    from deeptoolkit.data.audio import read_clip

    read_or_refuse("wav file", read_clip, data, "clip.wav")


@FUZZ
@given(st.sampled_from(WAVS).flatmap(lambda seed: mutations.mutated(seed, head=48)))
def test_wav_uploads(data):
    from deeptoolkit.data.audio import read_clip

    def read(path):
        with open(path, "rb") as handle:
            read_clip(handle.read(), "upload.wav")

    read_or_refuse("wav bytes", read, data, "x", "upload.wav")


MANIFEST = ["path,transcript", "a.wav,ah", "a.wav,the cat sat", "a.wav <TAB> ee", "missing.wav,oo", ",", "a.wav,"]


@FUZZ
@given(file_bytes(MANIFEST), st.sampled_from(["manifest.csv", "manifest.tsv"]))
def test_speech_manifests(data, name):
    from deeptoolkit.data.speech_source import load_speech_source

    def read(path):
        with open(os.path.join(os.path.dirname(path), "a.wav"), "wb") as handle:
            handle.write(WAVS[0])
        load_speech_source(path)

    read_or_refuse("speech manifest", read, data, name, "missing.wav", "a.wav")


def _seed_images():
    from PIL import Image

    rng = np.random.default_rng(0)
    seeds = []
    for mode, fmt in (("L", "PNG"), ("RGB", "PNG"), ("RGB", "JPEG"), ("L", "BMP"), ("P", "GIF"), ("L", "PPM")):
        buffer = io.BytesIO()
        Image.fromarray(rng.integers(0, 255, (12, 10, 3) if mode == "RGB" else (12, 10)).astype("uint8")).convert(mode).save(buffer, fmt)
        seeds.append((buffer.getvalue(), {"PNG": ".png", "JPEG": ".jpg", "BMP": ".bmp", "GIF": ".gif", "PPM": ".pgm"}[fmt]))
    return seeds


IMAGES = _seed_images()


@st.composite
def image_files(draw):
    data, extension = draw(st.sampled_from(IMAGES))
    return draw(mutations.mutated(data, head=80)), extension


@FUZZ
@given(image_files(), st.sampled_from([1, 3]))
def test_image_files(image, channels):
    from deeptoolkit.data.image_preprocessor import ImagePreprocessor

    data, extension = image
    read_or_refuse("image file", lambda path: ImagePreprocessor((8, 8), channels)(path), data, "photo" + extension)


@FUZZ
@given(image_files())
def test_image_uploads(image):
    from deeptoolkit.data.image_preprocessor import ImagePreprocessor

    def read(path):
        with open(path, "rb") as handle:
            ImagePreprocessor((8, 8), 3)(handle.read(), "upload")

    read_or_refuse("image bytes", read, image[0], "x", "upload")


def _pickle_or_storage(draw, data):
    return draw(mutations.mutated(data, head=len(data)))


@st.composite
def checkpoints(draw):
    with open(os.path.join(FIXTURES, "pretrained", draw(st.sampled_from(["tiny_zip.pth", "tiny_wrapped.pth", "tiny_legacy.pth"]))),
              "rb") as handle:
        data = handle.read()
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return draw(mutations.mutated(data, head=len(data)))
    members = mutations.unzipped(data)
    return draw(mutations.repacked(members, {name: _pickle_or_storage for name in members}))


@FUZZ
@given(checkpoints())
def test_pytorch_checkpoints(data):
    from deeptoolkit.data.torch_checkpoint import read_state_dict

    read_or_refuse("pytorch checkpoint", read_state_dict, data, "weights.pth")


@pytest.fixture(scope="module")
def weights_model():
    """A tiny Keras model and its weights in the legacy HDF5 layout of keras.applications' files."""
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, name="dense"), keras.layers.Dense(2, name="out")])
    path = os.path.join(tempfile.mkdtemp(prefix="fuzz-h5-"), "seed.h5")
    model.save(path)  # the legacy HDF5 file: its model_weights group is what load_weights reads
    with open(path, "rb") as handle:
        return model, handle.read()


def test_hdf5_weights_files(weights_model):
    from deeptoolkit.data.hdf5_check import load_weights_file

    model, seed = weights_model
    expected = [w.copy() for w in model.get_weights()]

    @FUZZ
    @given(mutations.mutated(seed, head=2048, max_mutations=3))
    def fuzz(data):
        if read_or_refuse("hdf5 weights", lambda path: load_weights_file(model, path), data, "weights_notop.h5") == "read":
            assert [w.shape for w in model.get_weights()] == [w.shape for w in expected]
        model.set_weights(expected)

    fuzz()
    assert read_or_refuse("hdf5 weights", lambda path: load_weights_file(model, path), seed, "weights_notop.h5") == "read"


ARCHIVE_FILES = {"babi/qa1_train.txt": b"1 mary went to the kitchen .\n", "babi/README": b"bAbI\n"}
ARCHIVE_ZIP, ARCHIVE_TAR = mutations.zipped(ARCHIVE_FILES), mutations.tar_gz(ARCHIVE_FILES)
ODD_NAMES = ["../evil.txt", "/etc/evil", "C:\\evil", "babi/../../evil", "a\x00b", "./", "babi/", "x" * 300]


@st.composite
def archives(draw):
    if draw(st.booleans()):
        return draw(mutations.mutated(ARCHIVE_TAR if draw(st.booleans()) else ARCHIVE_ZIP, head=512))
    members = dict(ARCHIVE_FILES)
    members[draw(st.sampled_from(ODD_NAMES))] = draw(st.binary(max_size=20))
    return mutations.zipped(members)


@FUZZ
@given(archives())
def test_catalogue_archives(data):
    from deeptoolkit.data import downloads

    def read(path):
        target = os.path.join(os.path.dirname(path), "extracted")
        downloads.extract(path, target)
        for root, _, names in os.walk(target):  # nothing lands outside, and no link leads out
            for name in names:
                assert os.path.realpath(os.path.join(root, name)).startswith(os.path.realpath(target))
        assert not os.path.exists(os.path.join(os.path.dirname(os.path.dirname(path)), "evil.txt"))

    read_or_refuse("catalogue archive", read, data, "babi.tar.gz")


SAVED = {name: mutations.unzipped(open(os.path.join(FIXTURES, "legacy", f"{name}.dtk"), "rb").read())
         for name in ("memnn", "char_rnn")}


def _json_member(draw, data):
    return json.dumps(draw(mutations.mutated_json(json.loads(data)))).encode()


def _keras_member(draw, data):
    inner = mutations.unzipped(data)
    return draw(mutations.repacked(inner, {"config.json": _json_member, "metadata.json": _json_member,
                                           "model.weights.h5": lambda draw, h5: draw(mutations.mutated(h5, head=4096))}))


@st.composite
def saved_models(draw):
    members = SAVED[draw(st.sampled_from(sorted(SAVED)))]
    return draw(mutations.repacked(members, {"deeptoolkit.json": _json_member, "model.keras": _keras_member}))


@FUZZ
@given(saved_models())
def test_saved_models(data):
    import deeptoolkit

    read_or_refuse("saved model", deeptoolkit.load, data, "model.dtk")


def test_every_binary_fuzzer_reaches_both_outcomes():
    """A fuzzer that only ever produces garbage, or only valid files, tests little."""
    from deeptoolkit.data.audio import read_clip
    from deeptoolkit.data.torch_checkpoint import read_state_dict

    for reader, strategy, read, name in (("wav", st.sampled_from(WAVS).flatmap(mutations.mutated), read_clip, "c.wav"),
                                         ("pth", checkpoints(), read_state_dict, "w.pth")):
        outcomes = []

        @settings(max_examples=60, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
        @given(strategy)
        def count(data):
            outcomes.append(read_or_refuse(reader, read, data, name))  # noqa: B023

        count()
        assert {"read", "refused"} <= set(outcomes), (reader, outcomes)
