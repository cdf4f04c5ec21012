""".dtk files crafted as the published Keras exploits are: loading one runs no code, downloads
nothing and switches nothing off; each is refused with one line naming the file. Also zip
members that would land outside a folder, links, and members far larger than the archive."""

import http.server
import io
import json
import os
import threading
import zipfile

import keras
import pytest

import deeptoolkit
from deeptoolkit import saving
from deeptoolkit.errors import DeeptoolkitError, ModelFileError
from deeptoolkit.version import FORMAT_VERSION


@pytest.fixture(scope="module")
def keras_members(tmp_path_factory):
    """{name: bytes} of a real model.keras (a Dense layer), to be crafted."""
    path = tmp_path_factory.mktemp("seed") / "seed.keras"
    inputs = keras.Input((3,))
    keras.Model(inputs, keras.layers.Dense(2, name="dense")(inputs)).save(path)
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def craft(folder, members, edit=None, name="crafted.dtk"):
    """A .dtk around model.keras `members`, its config.json changed by `edit(config)`."""
    members = dict(members)
    if edit is not None:
        config = json.loads(members["config.json"])
        edit(config)
        members["config.json"] = json.dumps(config).encode()
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    path = folder / name
    meta = {"format_version": FORMAT_VERSION, "task": "ImageClassifier", "config": {}, "state": {}}
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(saving.META_NAME, json.dumps(meta))
        archive.writestr(saving.MODEL_NAME, inner.getvalue())
    return path


def dense(config):
    return next(layer for layer in config["config"]["layers"] if layer["class_name"] == "Dense")


def refused(path, *fragments):
    with pytest.raises(ModelFileError) as caught:
        deeptoolkit.load(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message, message
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_a_module_named_in_the_config_is_not_imported_or_called(tmp_path, keras_members):
    """CVE-2025-1550: a layer whose module and class name point at a Python callable."""
    marker = tmp_path / "ran"

    def inject(config):
        layer = dense(config)
        layer.update(module="os", class_name="system", registered_name=None)
        layer["config"] = f"touch {marker}"

    refused(craft(tmp_path, keras_members, inject), "Refused to load", "module='os'")
    assert not marker.exists()


def test_a_function_named_in_the_config_is_not_called(tmp_path, keras_members):
    marker = tmp_path / "ran"

    def inject(config):
        dense(config)["config"]["activation"] = {"module": "builtins", "class_name": "function", "registered_name": "function",
                                                 "config": "exec", "args": [f"open({str(marker)!r}, 'w')"]}

    refused(craft(tmp_path, keras_members, inject), "Refused to load", "builtins")
    assert not marker.exists()


def test_the_config_cannot_switch_safe_mode_off(tmp_path, keras_members):
    """CVE-2025-9906: keras.config.enable_unsafe_deserialization reached from the config, then a Lambda."""
    from keras.src.saving import serialization_lib

    def inject(config):
        dense(config)["config"]["kernel_initializer"] = {"module": "keras.config", "class_name": "function",
                                                         "config": "enable_unsafe_deserialization", "registered_name": "function"}

    refused(craft(tmp_path, keras_members, inject), "Refused to load")
    assert serialization_lib.in_safe_mode() is not False  # still on (None: no load under way)
    inputs = keras.Input((3,))
    lambda_model = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs))
    refused(saving.write_artifact(tmp_path / "lambda.dtk", {"task": "ImageClassifier"}, lambda_model), "Lambda")


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests = []

    def do_GET(self):  # noqa: N802 - the handler's protocol
        _Recorder.requests.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"payload")

    def log_message(self, *arguments):
        pass


def test_the_config_cannot_make_keras_download_a_file(tmp_path, keras_members, monkeypatch):
    """CVE-2025-8747: keras.utils.get_file reached from the config (here aimed at a loopback server)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    try:
        def inject(config):
            dense(config)["config"]["kernel_initializer"] = {
                "module": "keras.utils", "class_name": "get_file", "registered_name": None,
                "config": {"fname": "payload.py", "origin": f"http://127.0.0.1:{server.server_port}/payload.py"}}

        refused(craft(tmp_path, keras_members, inject), "Refused to load", "get_file")
    finally:
        server.shutdown()
    assert _Recorder.requests == [] and not (tmp_path / "keras_home").exists()


def test_an_hdf5_model_with_code_in_place_of_the_keras_archive_is_refused(tmp_path):
    """A legacy HDF5 model whose Lambda layer carries marshalled bytecode, where model.keras goes."""
    marker = str(tmp_path / "ran")
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda x: x + len(open(marker, "w").name))(inputs))
    legacy = tmp_path / "payload.h5"
    model.save(legacy)
    os.unlink(marker)  # made when the model was built; loading the file must not make it again
    path = tmp_path / "hdf5.dtk"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(saving.META_NAME, json.dumps({"format_version": FORMAT_VERSION, "task": "ImageClassifier"}))
        archive.writestr(saving.MODEL_NAME, legacy.read_bytes())
    refused(path, "not a Keras archive")
    assert not os.path.exists(marker)


@pytest.mark.parametrize("member", ["../outside.txt", "/etc/outside", "model/../../outside"])
def test_members_that_would_land_outside_are_refused(tmp_path, member):
    path = tmp_path / "slip.dtk"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(saving.META_NAME, json.dumps({"format_version": FORMAT_VERSION, "task": "ImageClassifier"}))
        archive.writestr(member, b"x")
    refused(path, "would land outside")


def test_a_link_member_is_refused(tmp_path):
    path = tmp_path / "link.dtk"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(saving.META_NAME, json.dumps({"format_version": FORMAT_VERSION, "task": "ImageClassifier"}))
        link = zipfile.ZipInfo(saving.MODEL_NAME)
        link.external_attr = (0o120777 << 16)  # a symbolic link, as zip records one
        archive.writestr(link, "/etc/passwd")
    refused(path, "is a link or a device")


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path):
    path = tmp_path / "bomb.dtk"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(saving.META_NAME, json.dumps({"format_version": FORMAT_VERSION, "task": "ImageClassifier"}))
        archive.writestr(saving.MODEL_NAME, b"\0" * 50_000_000)  # deflates about 1000 to 1
    refused(path, "zip bomb")


def test_a_member_declaring_a_small_size_cannot_unpack_more(tmp_path, keras_members):
    """A member whose header understates its size: the reader stops at the declared size and the
    archive's checksum refuses the rest."""
    path = craft(tmp_path, keras_members)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(saving.MODEL_NAME)
    for header in (b"PK\x03\x04", b"PK\x01\x02"):  # both records of the member's size
        start = 0
        while (start := data.find(header, start)) != -1:
            offset = 22 if header == b"PK\x03\x04" else 24
            name_at = 30 if header == b"PK\x03\x04" else 46
            if data[start + name_at: start + name_at + len(saving.MODEL_NAME)] == saving.MODEL_NAME.encode():
                data[start + offset: start + offset + 4] = (info.file_size // 2).to_bytes(4, "little")
            start += 4
    path.write_bytes(bytes(data))
    with pytest.raises(DeeptoolkitError, match="crafted.dtk"):
        deeptoolkit.load(path)
