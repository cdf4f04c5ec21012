"""SpeechRecognizer end to end on made-up sounds: both modes, every kind of input, save/load, the
figure, and the refusals."""

import os

import numpy as np
import pytest

import deeptoolkit
from deeptoolkit import SpeechRecognizer
from deeptoolkit.data.audio import Clip
from deeptoolkit.data.connected_speech import join_clips
from deeptoolkit.errors import DeeptoolkitError
from tests.speech import sounds

TINY = dict(n_mels=16, width=1, units=8, batch_size=8, seed=0, patience=0, validation_split=0)


@pytest.fixture(scope="module")
def words(tmp_path_factory):
    folder = tmp_path_factory.mktemp("words")
    sounds.word_folder(folder, per_word=6)
    model = SpeechRecognizer(epochs=25, learning_rate=3e-3, **TINY).fit(str(folder), verbose=0)
    return model, folder


def test_a_word_model_learns_the_words_and_answers_every_kind_of_input(words):
    model, folder = words
    assert model.mode == "words" and model.class_names == ["ah", "ee", "oo"]
    assert model.evaluate(str(folder))["accuracy"] >= 2 / 3
    path = str(folder / "ee_0.wav")
    answers = model.predict(path, top_k=2)
    assert len(answers) == 1 and set(answers[0]) == {"transcript", "probability", "alternatives", "seconds", "cut"}
    assert len(answers[0]["alternatives"]) == 2 and answers[0]["cut"] is False
    same = [model.predict(x, rate=8000)[0]["transcript"] for x in (open(path, "rb").read(), sounds.tone("ee", 8000, 0.3, seed=0))]
    assert same == [answers[0]["transcript"]] * 2
    assert len(model.predict(str(folder))) == 18
    assert model.transcribe(path) == answers[0]["transcript"]
    assert model.transcribe([path, path]) == [answers[0]["transcript"]] * 2


def test_a_long_clip_is_cut_and_said_so(words):
    model, _ = words
    model.set_params(max_seconds=0.2)
    try:
        answer = model.predict(sounds.tone("ah", 8000, 0.5), rate=8000)[0]
    finally:
        model.set_params(max_seconds=10.0)
    assert answer["cut"] is True and answer["seconds"] == 0.5


def test_saved_and_loaded_it_answers_the_same_and_draws_what_it_hears(words, tmp_path):
    model, folder = words
    path = model.save(tmp_path / "words.dtk")
    loaded = deeptoolkit.load(path)
    clip = str(folder / "oo_3.wav")
    assert loaded.predict(clip)[0]["probability"] == pytest.approx(model.predict(clip)[0]["probability"], rel=1e-5)
    found = loaded.inspect(clip)
    assert found["words"] and 0 <= found["words"][0]["start"] < found["words"][0]["end"] <= found["seconds"] + 0.1
    figure = loaded.draw_inspection(clip, tmp_path / "clip.png")
    assert os.path.getsize(figure) > 10_000


def test_bad_clips_get_one_line(words, tmp_path):
    model, folder = words
    silent = sounds.write(tmp_path / "silent.wav", np.zeros(4000))
    with pytest.raises(DeeptoolkitError, match="silent.wav.*is silent"):
        model.predict(silent)
    with pytest.raises(DeeptoolkitError, match="Expected the model's words"):
        model.evaluate([sounds.tone("ah")], ["uh"], rate=8000)
    with pytest.raises(DeeptoolkitError, match="Expected one clip"):
        model.inspect(str(folder))


def _sequences(count, seed):
    words = list(sounds.WORDS)
    clips = [Clip(sounds.tone(w, 8000, 0.25, seed=i), 8000, w) for i, w in enumerate(words * 2)]
    return join_clips(clips, words * 2, count, words=(2, 3), pause=(0.05, 0.1), seed=seed)


def test_a_sequence_model_trains_with_ctc_and_decodes_greedy_and_by_beam(tmp_path):
    clips, transcripts = _sequences(24, seed=0)
    model = SpeechRecognizer(epochs=2, **TINY).fit([c.samples for c in clips], transcripts, rate=8000, verbose=0)
    assert model.mode == "sequences" and model.class_names == ["ah", "ee", "oo"]
    greedy = model.predict(clips[0].samples, rate=8000, top_k=1, beam=1)[0]
    beam = model.predict(clips[0].samples, rate=8000, top_k=3, beam=4)[0]
    for answer in (greedy, beam):
        assert isinstance(answer["transcript"], str) and set(answer["transcript"].split()) <= {"ah", "ee", "oo"}
        assert answer["transcript"] == answer["alternatives"][0]["transcript"] and 0 <= answer["probability"] <= 1
    assert len(greedy["alternatives"]) == 1 and 1 <= len(beam["alternatives"]) <= 3
    metrics = model.evaluate([c.samples for c in clips[:6]], transcripts[:6], rate=8000)
    assert set(metrics) >= {"wer", "cer", "sentence_accuracy", "examples"} and metrics["examples"] == 6
    found = model.inspect(clips[0].samples, rate=8000)
    assert found["transcript"] == model.transcribe(clips[0].samples, rate=8000)  # what it shows is what it hears
    heard = iter(found["transcript"].split())
    assert all(w["word"] in heard for w in found["words"])  # the words it places, in the transcript's order
    assert model.predict(clips[0].samples, rate=8000, top_k=1, beam=4)[0]["transcript"] == beam["transcript"]  # any top_k
    again = deeptoolkit.load(model.save(tmp_path / "seq.dtk")).predict(clips[0].samples, rate=8000, top_k=1, beam=1)[0]
    assert again["transcript"] == greedy["transcript"] and again["probability"] == pytest.approx(greedy["probability"], rel=1e-4)


def test_a_transcribed_clip_longer_than_the_model_reads_is_refused():
    clips, transcripts = _sequences(4, seed=1)
    with pytest.raises(DeeptoolkitError, match="longer than max_seconds=0.3"):
        SpeechRecognizer(epochs=1, max_seconds=0.3, **TINY).fit([c.samples for c in clips], transcripts, rate=8000, verbose=0)


def test_evaluate_without_data_scores_the_embedded_test_voices():
    model = SpeechRecognizer(epochs=1, **TINY).fit(verbose=0)
    metrics = model.evaluate()
    assert metrics["split"] == "test" and metrics["examples"] == 60
    assert set(metrics["per_label"]) == {str(d) for d in range(10)}
    assert np.asarray(metrics["confusion_matrix"]).sum() == 60
