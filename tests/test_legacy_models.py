"""Models saved by an earlier release still load and predict exactly as they did.

The files in tests/fixtures/legacy/ were written by make_legacy_models.py at the commit that
expected.json names (before the one-contract refactor), with what each model predicted then;
speech.dtk by make_speech_model.py when SpeechRecognizer was added (speech_expected.json), and
speech_floor.dtk by the same script when its front end changed (see fixtures/legacy/README.md).
"""

import json
import os

import numpy as np
import pytest

import deeptoolkit
from deeptoolkit import runtime

FOLDER = os.path.join(os.path.dirname(__file__), "fixtures", "legacy")


@pytest.fixture(scope="module")
def saved():
    with open(os.path.join(FOLDER, "expected.json"), encoding="utf-8") as handle:
        recorded = json.load(handle)
    with np.load(os.path.join(FOLDER, "inputs.npz")) as arrays:
        return recorded, dict(arrays)


def load(name):
    return deeptoolkit.load(os.path.join(FOLDER, f"{name}.dtk"))


# char_rnn, captioner and show_and_tell were saved in mixed_bfloat16 (made where the CPU computes in
# bfloat16 natively) and compute in bfloat16 when loaded. Where the CPU only emulates bfloat16 its
# rounding differs, so their numbers are compared within bfloat16's precision (2**-8 relative), and
# a decoded text may end a word sooner or later where two words tie within that precision.
EMULATED_BFLOAT16 = not runtime.cpu_has_native_bfloat16()


def close(actual, expected, bfloat16=False):
    rtol, atol = (1e-2, 2e-3) if bfloat16 and EMULATED_BFLOAT16 else (1e-4, 1e-5)
    np.testing.assert_allclose(np.asarray(actual, "float64"), np.asarray(expected, "float64"), rtol=rtol, atol=atol)


def same_texts(actual, expected, bfloat16=False):
    """The texts are the same; for a bfloat16 model on a CPU that emulates it, one of each pair may
    be the other with one more word at its end."""
    assert len(actual) == len(expected)
    if not (bfloat16 and EMULATED_BFLOAT16):
        assert actual == expected
        return
    for now, before in zip(actual, expected, strict=True):
        shorter, longer = sorted((now.split(), before.split()), key=len)
        assert longer[:len(shorter)] == shorter and len(longer) - len(shorter) <= 1, (now, before)


def test_image_classifier(saved):
    recorded, inputs = saved
    model = load("image_classifier")
    assert type(model).__name__ == "ImageClassifier"
    close(model.predict_proba(inputs["digits"]), recorded["expected"]["image_classifier"]["probabilities"])


def test_char_rnn(saved):
    recorded, _ = saved
    expected = recorded["expected"]["char_rnn"]
    model = load("char_rnn")
    predicted = model.predict(recorded["texts"], top_k=3)
    assert [[c for c, _ in row] for row in predicted] == [[c for c, _ in row] for row in expected["predict"]]
    close([[p for _, p in row] for row in predicted], [[p for _, p in row] for row in expected["predict"]], bfloat16=True)
    assert model.generate("the ", 40, temperature=0) == expected["greedy"]


def test_translator(saved):
    recorded, _ = saved
    expected = recorded["expected"]["translator"]
    model = load("translator")
    assert model.translate(recorded["sentences"]) == expected["greedy"]
    assert model.translate(recorded["sentences"], beam=3) == expected["beam"]
    close(model.attention(recorded["sentences"][0])["weights"], expected["attention"])


def test_captioner(saved):
    recorded, inputs = saved
    expected = recorded["expected"]["captioner"]
    model = load("captioner")
    results = model.caption(list(inputs["scenes"]), return_attention=True)
    same_texts([r["caption"] for r in results], expected["greedy"], bfloat16=True)
    for result, attention in zip(results, expected["attention"], strict=True):
        steps = min(len(result["attention"]), len(attention))  # the maps of the words both captions have
        close(result["attention"][:steps], attention[:steps], bfloat16=True)
    same_texts(model.caption(list(inputs["scenes"]), beam=2), expected["beam"], bfloat16=True)


def test_face_verifier(saved):
    recorded, inputs = saved
    expected = recorded["expected"]["face_verifier"]
    model = load("face_verifier")
    close(model.embed(inputs["faces"]), expected["embeddings"])
    verdicts = model.verify(list(inputs["faces"][0::2]), list(inputs["faces"][1::2]))
    for verdict, before in zip(verdicts, expected["verify"], strict=True):
        assert verdict["same"] == before["same"]
        close([verdict[k] for k in ("distance", "threshold", "confidence")], [before[k] for k in ("distance", "threshold", "confidence")])


def test_memnn(saved):
    recorded, _ = saved
    expected = recorded["expected"]["memnn"]
    answered = load("memnn").answer(recorded["story"], "where is the ring ?")
    assert answered["answer"] == expected["answer"]
    close(answered["probability"], expected["probability"])
    close(answered["attention"], expected["attention"])


def test_show_and_tell(saved):
    # Saved before the no-attention captioner joined the grid's mean to every step: it keeps its own graph.
    recorded, inputs = saved
    expected = recorded["expected"]["show_and_tell"]
    model = load("show_and_tell")
    same_texts(model.caption(list(inputs["scenes"])), expected["greedy"], bfloat16=True)
    same_texts(model.caption(list(inputs["scenes"]), beam=2), expected["beam"], bfloat16=True)


@pytest.mark.parametrize("name", ["speech", "speech_floor"])
def test_speech(name):
    """speech: the first release's SpeechRecognizer (no log-mel floor, clips heard untrimmed);
    speech_floor: the format after it (the floor, trimmed silent ends)."""
    from deeptoolkit.data import spoken_digits

    with open(os.path.join(FOLDER, f"{name}_expected.json"), encoding="utf-8") as handle:
        recorded = json.load(handle)
    model = load(name)
    (_, _), (test, _) = spoken_digits.split()
    answers = model.predict([test[i] for i in recorded["clips"]], top_k=3)
    for answer, expected in zip(answers, recorded["answers"], strict=True):
        assert [a["transcript"] for a in answer["alternatives"]] == [a["transcript"] for a in expected["alternatives"]]
        close([a["probability"] for a in answer["alternatives"]], [a["probability"] for a in expected["alternatives"]])
