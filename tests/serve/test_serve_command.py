"""`deeptoolkit serve`'s security and limit options, given on the command line (and the key in
$DEEPTOOLKIT_API_KEY), each checked on the running server: the key on every API route and /api,
the upload limit, the body and header deadlines, and how long a shutdown may take."""

import concurrent.futures
import signal
import socket
import time

import httpx
import numpy as np
import pytest

from tests.serve.conftest import LEGACY, png
from tests.serve.processes import start_server, stop
from tests.serve.test_requests import answer_to

KEY = "s3cret-key"
DIGIT = png(np.random.default_rng(0).integers(0, 255, (8, 8)))


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("guarded")
    (folder / "tmp").mkdir()
    process, base = start_server([f"digits={LEGACY}/image_classifier.dtk", f"writer={LEGACY}/char_rnn.dtk", "--api-key", KEY,
                                  "--max-upload-mb", "0.02", "--body-timeout", "0.5", "--header-timeout", "0.5",
                                  "--shutdown-timeout", "0.5"], folder / "stderr.txt", env={"TMPDIR": str(folder / "tmp")})
    yield process, base, folder / "tmp"
    stop(process)


def address(base):
    host, port = base.rsplit("//", 1)[1].split(":")
    return host, int(port)


def test_the_key_guards_every_api_route_and_the_api_page(guarded):
    _, base, _ = guarded
    for route in ("/models", "/metrics", "/openapi.json", "/api"):
        assert httpx.get(base + route).status_code == 401, route
        assert httpx.get(base + route, headers={"X-API-Key": "wrong"}).status_code == 401, route
        assert httpx.get(base + route, headers={"X-API-Key": KEY}).status_code == 200, route
    upload = {"image": ("d.png", DIGIT)}
    refused = httpx.post(f"{base}/models/digits/predict", files=upload)
    assert refused.status_code == 401 and "API key" in refused.json()["error"]
    assert httpx.post(f"{base}/models/digits/predict", files=upload, headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
    for page in ("/", "/health", "/ready", "/models/digits"):
        assert httpx.get(base + page).status_code == 200, page


def test_the_upload_limit_is_the_one_given(guarded):
    _, base, _ = guarded
    headers = {"X-API-Key": KEY}
    big = png(np.random.default_rng(1).integers(0, 255, (200, 200)))  # about 40 kB: over 0.02 MB
    refused = httpx.post(f"{base}/models/digits/predict", files={"image": ("big.png", big)}, headers=headers)
    assert refused.status_code == 413 and "0.02 MB" in refused.json()["error"]
    assert httpx.post(f"{base}/models/digits/predict", files={"image": ("d.png", DIGIT)}, headers=headers).status_code == 200


def test_the_body_and_header_deadlines_are_the_ones_given(guarded):
    _, base, _ = guarded
    with socket.create_connection(address(base), timeout=10) as slow:
        slow.sendall(f"POST /models/digits/predict HTTP/1.1\r\nHost: x\r\nX-API-Key: {KEY}\r\n"
                     "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 5000\r\n\r\n--b\r\n".encode())
        start = time.monotonic()
        answer = answer_to(slow)
    assert answer.startswith("HTTP/1.1 408") and "stopped arriving for 0.5 s" in answer and time.monotonic() - start < 5
    with socket.create_connection(address(base), timeout=10) as slow:
        slow.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # and never the blank line that ends the headers
        start = time.monotonic()
        answer = answer_to(slow)
    assert answer.startswith("HTTP/1.1 408") and "within 0.5 s" in answer and time.monotonic() - start < 5


def test_the_key_from_the_environment_and_an_empty_key(tmp_path):
    process, base = start_server([f"digits={LEGACY}/image_classifier.dtk"], tmp_path / "stderr.txt",
                                 env={"DEEPTOOLKIT_API_KEY": "from-env"})
    try:
        assert httpx.get(f"{base}/models").status_code == 401
        assert httpx.get(f"{base}/models", headers={"X-API-Key": "from-env"}).status_code == 200
    finally:
        stop(process)
    import subprocess
    import sys

    empty = subprocess.run([sys.executable, "-m", "deeptoolkit.cli", "serve", f"{LEGACY}/image_classifier.dtk", "--api-key", " "],
                           capture_output=True, text=True, timeout=120)
    assert empty.returncode != 0 and "empty key" in empty.stderr and "Traceback" not in empty.stderr


def test_the_shutdown_timeout_bounds_how_long_requests_in_flight_are_waited_for(guarded):
    """Six 5,000-character requests queue on the model one after another; a shutdown timeout of
    0.5 s ends the server well before they would all be answered (the call in progress finishes,
    the others are dropped), with the upload folder removed."""
    process, base, temporary = guarded
    assert httpx.post(f"{base}/models/digits/predict", files={"image": ("d.png", DIGIT)}, headers={"X-API-Key": KEY}).status_code == 200
    assert [p.name for p in temporary.iterdir() if p.name.startswith("deeptoolkit-uploads-")]  # where uploads are kept
    long_text = {"prime": "the ", "length": 5000, "seed": 0}
    started = time.monotonic()
    assert httpx.post(f"{base}/models/writer/generate", json=long_text, headers={"X-API-Key": KEY}, timeout=60).status_code == 200
    one = time.monotonic() - started
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        writing = [pool.submit(httpx.post, f"{base}/models/writer/generate", json=long_text, headers={"X-API-Key": KEY},
                               timeout=60) for _ in range(6)]
        time.sleep(0.5)
        stopped = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        waited = time.monotonic() - stopped
        answered = [future.exception() is None and future.result().status_code == 200 for future in writing]
    assert sum(answered) <= 2 and waited < 0.5 + 1 + 2 * one + 1, (waited, one, answered)  # far below 6 calls
    assert not [p.name for p in temporary.iterdir() if p.name.startswith("deeptoolkit-uploads-")]  # removed on the way out
