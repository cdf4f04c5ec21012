"""Models saved by an earlier release still load and predict exactly as they did.

The files in tests/fixtures/legacy/ were written by make_legacy_models.py at the commit that
expected.json names (before the one-contract refactor), with what each model predicted then;
speech.dtk by make_speech_model.py when SpeechRecognizer was added (speech_expected.json).
"""

import json
import os

import numpy as np
import pytest

import deeptoolkit

FOLDER = os.path.join(os.path.dirname(__file__), "fixtures", "legacy")


@pytest.fixture(scope="module")
def saved():
    with open(os.path.join(FOLDER, "expected.json"), encoding="utf-8") as handle:
        recorded = json.load(handle)
    with np.load(os.path.join(FOLDER, "inputs.npz")) as arrays:
        return recorded, dict(arrays)


def load(name):
    return deeptoolkit.load(os.path.join(FOLDER, f"{name}.dtk"))


def close(actual, expected):
    np.testing.assert_allclose(np.asarray(actual, "float64"), np.asarray(expected, "float64"), rtol=1e-4, atol=1e-5)


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
    close([[p for _, p in row] for row in predicted], [[p for _, p in row] for row in expected["predict"]])
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
    assert [r["caption"] for r in results] == expected["greedy"]
    for result, attention in zip(results, expected["attention"]):
        close(result["attention"], attention)
    assert model.caption(list(inputs["scenes"]), beam=2) == expected["beam"]


def test_face_verifier(saved):
    recorded, inputs = saved
    expected = recorded["expected"]["face_verifier"]
    model = load("face_verifier")
    close(model.embed(inputs["faces"]), expected["embeddings"])
    verdicts = model.verify(list(inputs["faces"][0::2]), list(inputs["faces"][1::2]))
    for verdict, before in zip(verdicts, expected["verify"]):
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
    assert model.caption(list(inputs["scenes"])) == expected["greedy"]
    assert model.caption(list(inputs["scenes"]), beam=2) == expected["beam"]


def test_speech():
    from deeptoolkit.data import spoken_digits

    with open(os.path.join(FOLDER, "speech_expected.json"), encoding="utf-8") as handle:
        recorded = json.load(handle)
    model = load("speech")
    (_, _), (test, _) = spoken_digits.split()
    answers = model.predict([test[i] for i in recorded["clips"]], top_k=3)
    for answer, expected in zip(answers, recorded["answers"]):
        assert [a["transcript"] for a in answer["alternatives"]] == [a["transcript"] for a in expected["alternatives"]]
        close([a["probability"] for a in answer["alternatives"]], [a["probability"] for a in expected["alternatives"]])
