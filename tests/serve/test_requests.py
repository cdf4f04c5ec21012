"""What a request may hold and what it gets back: several items answered in order, limits named,
the API key, bounded and timed bodies, metrics and an access-log line per request."""

import logging
import re
import socket
import time

import numpy as np
import pytest
from fastapi.testclient import TestClient

from deeptoolkit.serve.actions import Settings
from deeptoolkit.serve.app import create_app
from tests.serve.conftest import png, spoken_digit
from tests.serve.test_api import one_line_error
from tests.serve.test_browser import serving


@pytest.fixture(scope="module")
def digits():
    rng = np.random.default_rng(5)
    return [png(rng.integers(0, 255, (8, 8))) for _ in range(3)]


@pytest.fixture(scope="module")
def client(served_models):
    return TestClient(create_app(served_models, Settings(max_upload_bytes=200_000, max_batch=3)))


def same_labels(answer, single):
    assert [t["label"] for t in answer["top_k"]] == [t["label"] for t in single["top_k"]]
    assert [t["probability"] for t in answer["top_k"]] == pytest.approx([t["probability"] for t in single["top_k"]], rel=1e-5)


def test_several_items_in_one_request_get_a_list_of_answers_in_order(client, served_models, digits, tmp_path):
    files = [("image", (f"{i}.png", data)) for i, data in enumerate(digits)]
    answers = client.post("/models/image_classifier/predict", files=files, data={"top_k": 3}).json()
    assert isinstance(answers, list) and len(answers) == 3
    for index, data in enumerate(digits):
        (tmp_path / f"{index}.png").write_bytes(data)
        same_labels(answers[index], served_models["image_classifier"].predict(str(tmp_path / f"{index}.png"), top_k=3)[0])
    texts = ["the qu", "the lazy d", "jumps ov"]
    predicted = client.post("/models/char_rnn/predict", json={"texts": texts, "top_k": 2}).json()
    assert [[t["label"] for t in answer["top_k"]] for answer in predicted] == [[c for c, _ in p] for p in served_models["char_rnn"].predict(texts, top_k=2)]
    sentences = ["i like the cat .", "we see the red car ."]
    translated = client.post("/models/translator/translate", json={"sentence": sentences}).json()
    assert [t["translation"] for t in translated] == served_models["translator"].translate(sentences)
    captions = client.post("/models/captioner/caption", files=[("image", ("a.png", png(np.zeros((32, 32, 3))))),
                                                               ("image", ("b.png", png(np.full((32, 32, 3), 255))))]).json()
    direct = served_models["captioner"].caption([np.zeros((32, 32, 3)), np.full((32, 32, 3), 255.0)])
    assert [c["caption"] for c in captions] == direct
    heard = client.post("/models/speech/predict", files=[("clips", ("7.wav", spoken_digit(index=7))), ("clips", ("3.wav", spoken_digit(index=3)))]).json()
    assert [h["transcript"] for h in heard] == [a["transcript"] for a in served_models["speech"].predict([spoken_digit(index=7), spoken_digit(index=3)])]
    one = client.post("/models/image_classifier/predict", files=files[:1]).json()
    assert isinstance(one, dict) and one["label"] == answers[0]["label"]  # one item: its answer, as before
    assert one["probability"] == pytest.approx(answers[0]["top_k"][0]["probability"], rel=1e-5)


def test_items_over_the_limit_or_where_one_is_taken_are_refused_by_name(client, digits, images):
    files = [("image", (f"{i}.png", digits[i % 3])) for i in range(4)]
    one_line_error(client.post("/models/image_classifier/predict", files=files), 413, "at most 3", "--max-batch", "received 4")
    one_line_error(client.post("/models/char_rnn/predict", json={"texts": ["a"] * 4}), 413, "'texts'", "at most 3")
    two_firsts = [("first", ("a.png", images["face"])), ("first", ("b.png", images["face"])), ("second", ("c.png", images["face"]))]
    one_line_error(client.post("/models/face_verifier/verify", files=two_firsts), 422, "'first' takes one image", "received 2")


def test_a_form_without_its_file_says_so(client):
    one_line_error(client.post("/models/image_classifier/predict", data={"image": "", "top_k": "3"}), 422,
                   "image: expected an uploaded file (none was sent)")


def test_a_bad_item_is_named_by_the_file_the_client_sent(client, digits):
    files = [("image", ("good.png", digits[0])), ("image", ("holiday.png", b"not an image"))]
    error = client.post("/models/image_classifier/predict", files=files)
    one_line_error(error, 400, "Not a readable image", "image[1]='holiday.png'")
    assert "deeptoolkit-upload" not in error.json()["error"]


def test_an_unexpected_error_shows_no_path_on_the_server(served_models, digits, monkeypatch):
    classifier = served_models["image_classifier"]
    monkeypatch.setattr(type(classifier), "predict", lambda self, images, top_k=1: open(images[0] + ".missing"))
    bug = TestClient(create_app({"digits": classifier}), raise_server_exceptions=False).post(
        "/models/digits/predict", files={"image": ("d.png", digits[0])})
    one_line_error(bug, 500, "unexpected FileNotFoundError", "<upload>", "a bug in deeptoolkit")
    assert "deeptoolkit-upload" not in bug.json()["error"]


def test_metrics_count_requests_errors_latency_and_batch_sizes(client, digits):
    route = 'route="/models/image_classifier/predict"'
    counters = [r'deeptoolkit_requests_total\{method="POST",' + route + r',status="200"\}',
                r'deeptoolkit_request_errors_total\{' + route + r',status="400"\}',
                r'deeptoolkit_request_duration_seconds_count\{' + route + r'\}',
                r'deeptoolkit_batch_size_sum\{action="predict",model="image_classifier"\}',
                r'deeptoolkit_requests_total\{method="GET",route="other",status="404"\}']  # not one label per unknown path

    def values():
        text = client.get("/metrics").text
        return [float(found.group(1)) if (found := re.search(pattern + r" ([0-9.e+]+)", text)) else 0.0 for pattern in counters]

    before = values()
    client.post("/models/image_classifier/predict", files=[("image", ("a.png", digits[0])), ("image", ("b.png", digits[1]))])
    client.post("/models/image_classifier/predict", files=[("image", ("bad.png", b"nope"))])
    client.get("/no/such/page")
    grown = [after - earlier for after, earlier in zip(values(), before, strict=True)]
    assert grown == [1, 1, 2, 2, 1]  # a 200 and a 400, both timed; one batch of two images; one unknown page


def test_one_access_log_line_per_request(client, caplog):
    with caplog.at_level(logging.INFO, logger="deeptoolkit.access"):
        client.get("/health")
        client.post("/models/nobody/predict")
        client.get("/forged%0A127.0.0.1 GET /admin")
    lines = [r.getMessage() for r in caplog.records if r.name == "deeptoolkit.access"]
    assert len(lines) == 3 and "\n" not in lines[2] and "/forged\\n127.0.0.1" in lines[2]
    assert re.fullmatch(r'\S+ "GET /health HTTP/1.1" 200 \d+B [0-9.]+ms', lines[0]) and '"POST /models/nobody/predict HTTP/1.1" 404' in lines[1]


def test_an_api_key_guards_every_api_route_but_the_probes_and_pages(served_models, digits):
    guarded = TestClient(create_app({"digits": served_models["image_classifier"]}, Settings(api_key="s3cret")))
    upload = {"image": ("d.png", digits[0])}
    one_line_error(guarded.post("/models/digits/predict", files=upload), 401, "API key", "Authorization: Bearer")
    one_line_error(guarded.post("/models/digits/predict", files=upload, headers={"X-API-Key": "wrong"}), 401)
    for route in ("/models", "/metrics", "/openapi.json", "/api"):
        assert guarded.get(route).status_code == 401, route
    assert guarded.get("/api", headers={"X-API-Key": "s3cret"}).status_code == 200
    assert guarded.post("/models/digits/predict", files=upload, headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert guarded.post("/models/digits/predict", files=upload, headers={"X-API-Key": "s3cret"}).status_code == 200
    assert guarded.get("/metrics", headers={"X-API-Key": "s3cret"}).status_code == 200
    for page in ("/", "/health", "/ready", "/models/digits"):
        assert guarded.get(page).status_code == 200, page
    assert 'id="api-key"' in guarded.get("/models/digits").text  # the page asks for the key and its forms send it
    assert 'id="api-key"' not in TestClient(create_app({"digits": served_models["image_classifier"]})).get("/models/digits").text


def test_a_body_without_a_length_is_still_bounded(served_models):
    small = TestClient(create_app({"digits": served_models["image_classifier"]}, Settings(max_upload_bytes=10_000)))
    chunks = (b"x" * 20_000 for _ in range(5))  # no Content-Length: sent chunked
    response = small.post("/models/digits/predict", content=chunks, headers={"content-type": "multipart/form-data; boundary=b"})
    one_line_error(response, 413, "upload limit of 0.01 MB")


def answer_to(connection):
    """An answer read off a raw socket, up to the end of its JSON body."""
    answer = b""
    while part := connection.recv(4096):
        answer += part
        if answer.endswith(b"}"):
            break
    return answer.decode()


def test_a_client_that_stops_sending_its_body_times_out(served_models):
    for base in serving({"digits": served_models["image_classifier"]}, Settings(body_timeout_s=0.5)):
        host, port = base.rsplit("//", 1)[1].split(":")
        with socket.create_connection((host, int(port)), timeout=10) as slow:
            slow.sendall(b"POST /models/digits/predict HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                         b"Content-Length: 5000\r\n\r\n--b\r\n")
            start = time.monotonic()
            answer = answer_to(slow)
        assert answer.startswith("HTTP/1.1 408") and "stopped arriving for 0.5 s" in answer
        assert time.monotonic() - start < 5


def test_a_client_that_sends_its_headers_too_slowly_is_answered_408_and_closed(served_models):
    from deeptoolkit.serve.header_deadline import with_header_deadline

    for base in serving({"digits": served_models["image_classifier"]}, http=with_header_deadline(0.5)):
        host, port = base.rsplit("//", 1)[1].split(":")
        with socket.create_connection((host, int(port)), timeout=10) as slow:
            slow.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # and never the blank line that ends the headers
            start = time.monotonic()
            answer = answer_to(slow)
            assert answer.startswith("HTTP/1.1 408") and "did not arrive within 0.5 s" in answer
            assert time.monotonic() - start < 5 and slow.recv(10) == b""  # closed
        with socket.create_connection((host, int(port)), timeout=10) as kept:
            time.sleep(0.3)
            kept.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            assert answer_to(kept).startswith("HTTP/1.1 200")  # in time: answered
            time.sleep(0.3)  # the next request on the same connection has its own deadline
            kept.sendall(b"GET /health HTTP/1.1\r\n")
            assert answer_to(kept).startswith("HTTP/1.1 408")
