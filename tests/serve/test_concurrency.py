"""Concurrent requests with different inputs, through a running server: each gets the answer of
the direct call for its own input, whichever requests its batch shared (labels and texts
exactly, probabilities within 1e-5), and batches of several requests did form."""

import concurrent.futures
import re

import httpx
import numpy as np
import pytest

from tests.serve.conftest import png
from tests.serve.test_browser import serving

CLIENTS, ROUNDS = 8, 6
SENTENCES = ["i like the cat .", "we see the red car .", "the dog is big .", "you have a small house ."]
PREFIXES = ["the qu", "over th", "a lazy d", "jumps o"]


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    """Eight different handwritten digits as PNG bytes and as files."""
    from sklearn.datasets import load_digits

    found = load_digits()
    folder = tmp_path_factory.mktemp("digits")
    chosen = [np.flatnonzero(found.target == digit)[-1] for digit in range(CLIENTS)]
    images = [png(found.images[i] * 255 / 16) for i in chosen]
    paths = []
    for index, data in enumerate(images):
        paths.append(str(folder / f"{index}.png"))
        with open(paths[-1], "wb") as handle:
            handle.write(data)
    return images, paths


@pytest.fixture(scope="module")
def base(served_models):
    models = {name: served_models[name] for name in ("image_classifier", "translator", "char_rnn")}
    yield from serving(models)


def hammer(ask, inputs):
    """Each of len(inputs) clients sends its own input ROUNDS times, all at once; answers per client."""
    def client(index):
        with httpx.Client(timeout=60) as http:
            return [ask(http, inputs[index]) for _ in range(ROUNDS)]

    with concurrent.futures.ThreadPoolExecutor(len(inputs)) as pool:
        return list(pool.map(client, range(len(inputs))))


def test_each_image_gets_its_own_answer(base, digits, served_models):
    images, paths = digits
    direct = [served_models["image_classifier"].predict(path, top_k=3)[0] for path in paths]
    assert len({answer["label"] for answer in direct}) >= 4  # different answers, so that a swap shows

    def ask(http, image):
        answer = http.post(f"{base}/models/image_classifier/predict", files={"image": ("d.png", image)}, data={"top_k": 3})
        return answer.json()

    for client, answers in enumerate(hammer(ask, images)):
        for answer in answers:
            assert answer["label"] == direct[client]["label"], (client, answer, direct[client])
            assert [t["label"] for t in answer["top_k"]] == [t["label"] for t in direct[client]["top_k"]]
            assert [t["probability"] for t in answer["top_k"]] == pytest.approx(
                [t["probability"] for t in direct[client]["top_k"]], abs=1e-5)
    batches = httpx.get(f"{base}/metrics").text
    count = float(re.search(r'deeptoolkit_batch_size_count\{action="predict",model="image_classifier"\} (\S+)', batches).group(1))
    items = float(re.search(r'deeptoolkit_batch_size_sum\{action="predict",model="image_classifier"\} (\S+)', batches).group(1))
    assert items == CLIENTS * ROUNDS and count < items  # some calls answered several requests


def test_each_sentence_and_prefix_gets_its_own_answer(base, served_models):
    direct = served_models["translator"].translate(SENTENCES)
    assert len(set(direct)) == len(SENTENCES)

    def translate(http, sentence):
        return http.post(f"{base}/models/translator/translate", json={"sentence": sentence}).json()["translation"]

    for client, answers in enumerate(hammer(translate, SENTENCES)):
        assert answers == [direct[client]] * ROUNDS, client
    expected = served_models["char_rnn"].predict(PREFIXES, top_k=3)

    def next_characters(http, prefix):
        answer = http.post(f"{base}/models/char_rnn/predict", json={"texts": prefix, "top_k": 3}).json()
        return [(t["label"], t["probability"]) for t in answer["top_k"]]

    for client, answers in enumerate(hammer(next_characters, PREFIXES)):
        for answer in answers:
            assert [c for c, _ in answer] == [c for c, _ in expected[client]], client
            assert [p for _, p in answer] == pytest.approx([p for _, p in expected[client]], abs=1e-5)
