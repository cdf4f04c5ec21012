"""deeptoolkit export (a SavedModel giving the toolkit's outputs) and the serve command's start-up errors."""

import numpy as np
import pytest

from deeptoolkit.errors import DeeptoolkitError
from deeptoolkit.serve.models import load_models, model_name
from tests.cli_helpers import one_line_error, run


def test_an_image_classifier_exports_its_probabilities(served_models, tmp_path):
    import tensorflow as tf

    classifier = served_models["image_classifier"]
    images = np.random.default_rng(0).uniform(0, classifier.state["value_max"], (4, 8, 8, 1)).astype("float32")
    exported = tf.saved_model.load(classifier.export(tmp_path / "digits"))
    np.testing.assert_allclose(exported.serve(tf.constant(images)).numpy(), classifier.predict_proba(images), atol=1e-5)


def test_a_face_verifier_exports_its_embeddings(served_models, tmp_path):
    import tensorflow as tf

    verifier = served_models["face_verifier"]
    photos = np.random.default_rng(0).integers(0, 255, (3, 32, 32)).astype("uint8")
    exported = tf.saved_model.load(verifier.export(tmp_path / "faces"))
    (signature,) = exported.serve.input_signature if hasattr(exported.serve, "input_signature") else (None,)
    batch = tf.constant(photos[..., None], dtype=signature.dtype if signature is not None else tf.float32)
    np.testing.assert_allclose(exported.serve(batch).numpy(), verifier.embed(photos), atol=1e-5)


def test_other_tasks_say_they_are_not_exported(served_models, tmp_path):
    with pytest.raises(DeeptoolkitError, match="Translator is not exported"):
        served_models["translator"].export(tmp_path / "t")
    path = served_models["memnn"].save(tmp_path / "reader.dtk")
    one_line_error(run("export", path, "--out", tmp_path / "out"), "MemNN is not exported")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("keep me")
    one_line_error(run("export", served_models["image_classifier"].save(tmp_path / "d.dtk"), "--out", tmp_path / "full"), "not empty")
    assert (tmp_path / "full" / "x").read_text() == "keep me"


def test_models_are_named_by_file_or_folder_and_bad_ones_stop_start_up(served_models, tmp_path):
    assert model_name("runs/digits/model.dtk") == "digits" and model_name("faces.dtk") == "faces"
    path = served_models["memnn"].save(tmp_path / "reader.dtk")
    assert list(load_models([str(path), f"other={path}"])) == ["reader", "other"]
    with pytest.raises(DeeptoolkitError, match="Two models would be served as 'reader'"):
        load_models([str(path), str(path)])
    with pytest.raises(DeeptoolkitError, match="A model name may hold"):
        load_models([f"bad name={path}"])
    (tmp_path / "broken.dtk").write_text("not a model")
    one_line_error(run("serve", tmp_path / "broken.dtk"), "Could not load the model 'broken'")
    one_line_error(run("serve", tmp_path / "missing.dtk"), "missing.dtk")


def test_a_taken_port_an_unknown_host_and_an_empty_key_are_said_before_the_models_load(served_models, tmp_path):
    import socket

    path = served_models["memnn"].save(tmp_path / "reader.dtk")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        one_line_error(run("serve", path, "--port", port), f"Cannot listen on 127.0.0.1:{port}", "--port (0: any free one)")
    one_line_error(run("serve", path, "--host", "no-such-host.invalid"), "Cannot listen on host 'no-such-host.invalid'")
    assert "empty key" in run("serve", path, "--api-key", " ").output


def test_the_listening_socket_names_tcp_so_that_answers_are_not_held_back():
    import socket

    from deeptoolkit.serve.server import listening_socket

    # asyncio turns Nagle's algorithm off (TCP_NODELAY) only on sockets whose protocol is IPPROTO_TCP;
    # with protocol 0 every small answer waited out the client's delayed acknowledgement (40 ms).
    with listening_socket("127.0.0.1", 0) as listening:
        assert listening.proto == socket.IPPROTO_TCP and listening.getsockname()[1] > 0
