"""`deeptoolkit serve` as people run it, in its own process: the warning on an open address
without a key, a soak of mixed good and bad requests after which it answers right with bounded
memory, and a graceful shutdown that answers the requests in flight."""

import concurrent.futures
import itertools
import signal
import time

import httpx
import numpy as np
import pytest

from tests.serve.conftest import LEGACY, png
from tests.serve.processes import start_server, stop

SOAK_SECONDS = 12
CLIENTS = 8
# What the server's resident memory may grow by over the soak, after a warm-up of the same requests.
MEMORY_GROWTH_MB = 64


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    stderr = tmp_path_factory.mktemp("server") / "stderr.txt"
    process, base = start_server([f"digits={LEGACY}/image_classifier.dtk", f"writer={LEGACY}/char_rnn.dtk", "--host", "0.0.0.0"],
                                 stderr)
    yield process, base, stderr
    stop(process)


def resident_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        return int(next(line for line in status if line.startswith("VmRSS")).split()[1]) / 1024


def test_an_open_address_without_a_key_is_warned_about_once(server):
    _, _, stderr = server
    assert stderr.read_text().count("without an API key") == 1


DIGIT = png(np.random.default_rng(0).integers(0, 255, (8, 8)))
# (request, expected status): good and bad requests mixed, as people send them.
REQUESTS = [
    (lambda c: c.post("/models/digits/predict", files={"image": ("d.png", DIGIT)}), 200),
    (lambda c: c.post("/models/digits/predict", files=[("image", (f"{i}.png", DIGIT)) for i in range(3)]), 200),
    (lambda c: c.post("/models/digits/predict", files={"image": ("notes.png", b"not an image")}), 400),
    (lambda c: c.post("/models/digits/predict", files={"image": ("empty.png", b"")}), 400),
    (lambda c: c.post("/models/digits/predict", files=[("image", (f"{i}.png", DIGIT)) for i in range(33)]), 413),
    (lambda c: c.post("/models/nobody/predict"), 404),
    (lambda c: c.post("/models/writer/generate", json={"prime": "the ", "length": 20}), 200),
    (lambda c: c.post("/models/writer/generate", json={"prime": "the ", "length": 10**6}), 422),
    (lambda c: c.post("/models/writer/predict", json={"texts": ["the qu", "over th"]}), 200),
    (lambda c: c.post("/models/writer/generate", content=b"{not json", headers={"content-type": "application/json"}), 422),
]


def hammer(base, seconds):
    """CLIENTS clients sending REQUESTS round robin for `seconds`; [(expected, received)]."""
    def client(offset):
        seen, deadline = [], time.monotonic() + seconds
        with httpx.Client(base_url=base, timeout=30) as http:
            for request, expected in itertools.islice(itertools.cycle(REQUESTS), offset, None):
                if time.monotonic() > deadline:
                    return seen
                seen.append((expected, request(http).status_code))

    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        return [pair for seen in pool.map(client, range(CLIENTS)) for pair in seen]


def test_a_soak_of_mixed_requests_leaves_it_answering_right_with_bounded_memory(server, served_models, tmp_path):
    process, base, _ = server
    hammer(base, 3)  # warm: every batch size traced, the first allocations made
    before = resident_mb(process.pid)
    seen = hammer(base, SOAK_SECONDS)
    grown = resident_mb(process.pid) - before
    wrong = [(expected, received) for expected, received in seen if expected != received]
    assert not wrong and len(seen) > 100, (wrong[:5], len(seen))
    print(f"soak: {len(seen)} requests in {SOAK_SECONDS} s, resident memory {before:.0f} MB + {grown:.1f} MB")
    assert grown < MEMORY_GROWTH_MB, f"resident memory grew {grown:.0f} MB over {len(seen)} requests"
    (tmp_path / "d.png").write_bytes(DIGIT)
    answered = httpx.post(f"{base}/models/digits/predict", files={"image": ("d.png", DIGIT)}).json()
    assert answered["label"] == served_models["image_classifier"].predict(str(tmp_path / "d.png"))[0]["label"]
    metrics = httpx.get(f"{base}/metrics").text
    assert 'deeptoolkit_batch_size_count{action="predict",model="digits"}' in metrics


def test_a_graceful_shutdown_answers_the_requests_in_flight(server):
    process, base, stderr = server
    long_text = {"prime": "the ", "length": 5000, "seed": 0}  # about a second each, one after the other
    logged_before = stderr.read_text().count('"POST /models/writer/generate HTTP/1.1" 200')
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        writing = [pool.submit(httpx.post, f"{base}/models/writer/generate", json=long_text, timeout=60) for _ in range(2)]
        time.sleep(0.3)
        process.send_signal(signal.SIGTERM)
        answers = [future.result() for future in writing]
    assert [a.status_code for a in answers] == [200, 200] and all(len(a.json()["text"]) == 5000 for a in answers)
    assert process.wait(30) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal once it has finished
    assert stderr.read_text().count('"POST /models/writer/generate HTTP/1.1" 200') == logged_before + 2  # the access log has them
