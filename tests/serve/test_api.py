"""The JSON API and pages of `deeptoolkit serve`, on one tiny model of each task."""

import concurrent.futures
import re

import pytest
from fastapi.testclient import TestClient

from deeptoolkit.serve.actions import Settings
from deeptoolkit.serve.app import create_app
from tests.serve.conftest import spoken_digit


@pytest.fixture(scope="module")
def gallery(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gallery")
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(1)
    for person in ("ada", "bob"):
        (folder / person).mkdir()
        for index in range(2):
            Image.fromarray(rng.integers(0, 255, (32, 32)).astype("uint8")).save(folder / person / f"{index}.png")
    return str(folder)


@pytest.fixture(scope="module")
def client(served_models, gallery):
    return TestClient(create_app(served_models, Settings(max_upload_bytes=200_000, gallery=gallery)))


def one_line_error(response, status, *fragments):
    assert response.status_code == status, response.text
    message = response.json()["error"]
    assert "\n" not in message and "Traceback" not in message
    for fragment in fragments:
        assert fragment in message, message


def test_health_and_readiness_answer_get_and_head(client):
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready").json()
    assert ready["ready"] is True and "image_classifier" in ready["models"] and len(ready["models"]) == 7
    for path in ("/", "/health", "/ready"):
        response = client.head(path)
        assert response.status_code == 200 and response.content == b"", path


def test_every_model_is_listed_with_its_task(client):
    listed = {m["name"]: m for m in client.get("/models").json()}
    assert {name: m["task"] for name, m in listed.items()} == {
        "image_classifier": "image-classifier", "face_verifier": "face-verifier", "char_rnn": "char-rnn",
        "translator": "translator", "captioner": "captioner", "memnn": "memnn", "speech": "speech"}
    assert listed["face_verifier"]["actions"] == ["identify", "verify"]


def test_each_task_answers_its_verb(client, images, served_models, gallery):
    predicted = client.post("/models/image_classifier/predict", files={"image": ("d.png", images["digit"])}, data={"top_k": 3}).json()
    direct = served_models["image_classifier"].predict(images["digit"], top_k=3)[0]
    assert predicted["label"] == direct["label"] and [t["label"] for t in predicted["top_k"]] == [t["label"] for t in direct["top_k"]]
    verdict = client.post("/models/face_verifier/verify", files={"first": ("a.png", images["face"]), "second": ("b.png", images["face"])}).json()
    assert verdict["same"] is True and verdict["distance"] == pytest.approx(0.0, abs=1e-3) and 0.5 <= verdict["confidence"] <= 1
    matches = client.post("/models/face_verifier/identify", files={"image": ("a.png", images["face"])}).json()["matches"]
    nearest = served_models["face_verifier"].identify(images["face"], gallery)
    assert [m["person"] for m in matches] == [m["person"] for m in nearest] and sorted(m["person"] for m in matches) == ["ada", "bob"]
    assert [m["distance"] for m in matches] == pytest.approx([m["distance"] for m in nearest], abs=1e-5)
    written = client.post("/models/char_rnn/generate", json={"prime": "the ", "length": 30, "seed": 1}).json()
    assert len(written["text"]) == 30 and written["prime"] == "the "
    translated = client.post("/models/translator/translate", json={"sentence": "i like the cat .", "attention": True}).json()
    attention = translated["attention"]
    assert isinstance(translated["translation"], str) and len(attention["weights"]) == len(attention["target"])
    captioned = client.post("/models/captioner/caption", files={"image": ("s.png", images["scene"])}, data={"attention": "true"}).json()
    # One map per word, and one for <end> unless the caption ran to its longest.
    assert len(captioned["attention"]) - len(captioned["words"]) in (0, 1) and isinstance(captioned["caption"], str)
    answered = client.post("/models/memnn/answer", json={"story": "bilbo went to the cave .\nfrodo went to the shire .",
                                                          "question": "where is bilbo ?"}).json()
    assert answered["sentences"] == ["bilbo went to the cave .", "frodo went to the shire ."] and len(answered["hops"]) == 3
    heard = client.post("/models/speech/predict", files={"clips": ("seven.wav", spoken_digit())}, data={"top_k": 2}).json()
    expected = served_models["speech"].predict(spoken_digit(), top_k=2)[0]
    assert heard["transcript"] == expected["transcript"] and len(heard["alternatives"]) == 2 and heard["cut"] is False


def test_every_page_is_served_from_the_machine(client):
    index = client.get("/").text
    for name in ("image_classifier", "face_verifier", "char_rnn", "translator", "captioner", "memnn", "speech"):
        assert f'href="/models/{name}"' in index
        page = client.get(f"/models/{name}")
        assert page.status_code == 200 and "<form" in page.text
        # No script, style, font or image from outside.
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page.text) and "@import" not in page.text
    api = client.get("/api").text
    assert "POST /models/memnn/answer" in api and "POST /models/face_verifier/verify" in api
    assert "/models/captioner/caption" in client.get("/openapi.json").json()["paths"]
    assert 'audioField("clips", true)' in client.get("/models/speech").text  # an upload and the microphone (tests/serve/test_browser.py)


def test_bad_input_is_a_one_line_4xx_and_the_server_keeps_serving(client, images):
    text = ("notes.png", b"this is not an image")
    unreadable = client.post("/models/image_classifier/predict", files={"image": text})
    one_line_error(unreadable, 400, "Not a readable image", "Received: image='notes.png'")  # the client's name, not the server's path
    assert "deeptoolkit-upload" not in unreadable.json()["error"]
    one_line_error(client.post("/models/image_classifier/predict", files={"image": ("big.png", b"x" * 300_000)}), 413, "0.2 MB")
    one_line_error(client.post("/models/image_classifier/predict", files={"other": ("d.png", images["digit"])}), 422, "image")
    one_line_error(client.post("/models/image_classifier/predict", files={"image": ("e.png", b"")}), 400, "empty")
    one_line_error(client.post("/models/face_verifier/verify", files={"first": ("a.png", images["face"])}), 422, "second")
    one_line_error(client.post("/models/speech/predict", files={"clips": ("notes.wav", b"not a recording")}), 400, "Not a readable audio file",
                   "notes.wav")
    one_line_error(client.post("/models/speech/predict", files={"clips": ("hush.wav", spoken_digit(silent=True))}), 400, "is silent")
    one_line_error(client.post("/models/nobody/predict"), 404, "No model named 'nobody'")
    one_line_error(client.get("/models/nobody"), 404, "No model named 'nobody'")
    one_line_error(client.post("/models/memnn/translate"), 404, "has no action 'translate'")
    one_line_error(client.post("/models/memnn/answer", json={"story": "  ", "question": "where is bilbo ?"}), 400, "story")
    one_line_error(client.post("/models/memnn/answer", json={"story": "bilbo went to the cave .", "question": ""}), 400)
    one_line_error(client.post("/models/memnn/answer", json={"question": "where?"}), 422, "story")
    one_line_error(client.post("/models/char_rnn/generate", json={"prime": "a", "length": 10**6}), 422, "length")
    one_line_error(client.post("/models/translator/translate", json={"sentence": "   "}), 400, "words in it")
    one_line_error(client.post("/models/char_rnn/generate", content=b"{not json", headers={"content-type": "application/json"}), 422)
    assert client.post("/models/image_classifier/predict", files={"image": ("d.png", images["digit"])}).status_code == 200


def test_concurrent_requests_get_the_answers_of_single_ones(client, images):
    def classify(_):
        return client.post("/models/image_classifier/predict", files={"image": ("d.png", images["digit"])}).json()

    def write(_):
        return client.post("/models/char_rnn/generate", json={"prime": "the ", "length": 20, "seed": 3}).json()

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        labels = list(pool.map(classify, range(16)))
        texts = list(pool.map(write, range(16)))
    # Requests batched together are computed in one call: the same answers up to float rounding.
    single = classify(0)
    for result in labels:
        assert [t["label"] for t in result["top_k"]] == [t["label"] for t in single["top_k"]]
        assert [t["probability"] for t in result["top_k"]] == pytest.approx([t["probability"] for t in single["top_k"]], rel=1e-5)
    assert all(result == texts[0] for result in texts) and texts[0] == write(0)


def test_identify_needs_a_gallery(served_models, images):
    bare = TestClient(create_app({"faces": served_models["face_verifier"]}))
    one_line_error(bare.post("/models/faces/identify", files={"image": ("a.png", images["face"])}), 400, "--gallery")
