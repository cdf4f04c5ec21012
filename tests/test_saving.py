import json
import zipfile

import keras
import pytest

from deeptoolkit import saving
from deeptoolkit.errors import ModelFileError
from deeptoolkit.version import FORMAT_VERSION


def _tiny_model():
    inputs = keras.Input((3,))
    return keras.Model(inputs, keras.layers.Dense(2)(inputs))


def test_round_trip_keeps_meta_and_weights(tmp_path):
    model = _tiny_model()
    path = saving.write_artifact(tmp_path / "m.dtk", {"task": "X", "config": {"a": 1}}, model)
    meta = saving.read_meta(path)
    assert meta["task"] == "X" and meta["config"] == {"a": 1} and meta["format_version"] == FORMAT_VERSION
    loaded = saving.read_model(path)
    for saved, read in zip(model.get_weights(), loaded.get_weights(), strict=True):
        assert (saved == read).all()


def test_a_run_folder_resolves_to_its_model_file(tmp_path):
    written = saving.write_artifact(tmp_path, {"task": "X"}, _tiny_model())
    assert written == str(tmp_path / saving.DEFAULT_FILENAME)
    assert saving.read_meta(tmp_path)["task"] == "X"


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(ModelFileError, match="No saved model found"):
        saving.read_meta(tmp_path / "nothing.dtk")


def test_a_file_that_is_not_a_model_is_refused(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(ModelFileError, match="Not a deeptoolkit model"):
        saving.read_meta(path)


def test_a_zip_without_metadata_is_refused(tmp_path):
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hi")
    with pytest.raises(ModelFileError, match=r"Not a deeptoolkit model: it holds \['readme.txt'\], expected \['deeptoolkit.json'"):
        saving.read_meta(path)


def test_a_newer_format_is_refused_with_advice(tmp_path):
    path = tmp_path / "future.dtk"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(saving.META_NAME, json.dumps({"format_version": FORMAT_VERSION + 1, "deeptoolkit_version": "9.0"}))
    with pytest.raises(ModelFileError, match="Upgrade deeptoolkit"):
        saving.read_meta(path)


def test_a_model_archive_with_a_broken_graph_is_refused(tmp_path):
    path = tmp_path / "broken.dtk"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(saving.META_NAME, json.dumps({"format_version": FORMAT_VERSION, "task": "X"}))
        archive.writestr(saving.MODEL_NAME, b"garbage")
    with pytest.raises(ModelFileError, match="not a Keras archive"):
        saving.read_model(path)


def test_a_failed_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    path = saving.write_artifact(tmp_path / "m.dtk", {"task": "first"}, _tiny_model())
    before = open(path, "rb").read()

    class Broken(keras.Model):
        def save(self, *args, **kwargs):
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        saving.write_artifact(path, {"task": "second"}, Broken())
    assert open(path, "rb").read() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.dtk"]  # no temporary left behind


def test_a_model_with_a_lambda_layer_is_refused_as_code(tmp_path):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs))
    path = saving.write_artifact(tmp_path / "lambda.dtk", {"task": "ImageClassifier"}, model)
    with pytest.raises(ModelFileError, match=r"Refused to load: the model's config names Python code to run \(class_name='Lambda'\)"):
        saving.read_model(path)


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.99])
def test_a_truncated_model_file_is_a_clear_error(tmp_path, keep):
    import deeptoolkit

    path = saving.write_artifact(tmp_path / "m.dtk", {"task": "ImageClassifier"}, _tiny_model())
    data = open(path, "rb").read()
    with open(path, "wb") as handle:
        handle.write(data[: int(len(data) * keep)])
    with pytest.raises(ModelFileError, match="m.dtk"):
        deeptoolkit.load(path)


def test_work_folders_of_killed_saves_are_removed_once_abandoned(tmp_path):
    import os
    import time

    old, recent = tmp_path / ".dtk-save-killed", tmp_path / ".dtk-save-running"
    for folder in (old, recent):
        folder.mkdir()
        (folder / "artifact.partial").write_bytes(b"half")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    saving.write_artifact(tmp_path / "m.dtk", {"task": "x"}, _tiny_model())
    assert not old.exists()  # a save killed long ago
    assert recent.exists()  # perhaps another process saving right now
