"""CharRNN: it learns, writes repeatably at a constant cost per character, saves, and refuses bad input."""

import math

import numpy as np
import pytest
import tensorflow as tf

import deeptoolkit
from deeptoolkit import CharRNN
from deeptoolkit.decoding import StepDecoder
from deeptoolkit.errors import DeeptoolkitError, NotFittedError
from deeptoolkit.models.char_lstm import char_lstm_stepper

TEXT = "the quick brown fox jumps over the lazy dog.\n" * 80
SMALL = dict(sequence_length=20, embedding_dim=16, units=48, layers=1, dropout=0.0, batch_size=16,
             learning_rate=1e-2, epochs=12, patience=0, sample_length=0, seed=0)


@pytest.fixture(scope="module")
def writer():
    writer = CharRNN(**SMALL)
    writer.fit(TEXT, verbose=0)
    return writer


def test_learns_far_below_the_uniform_baseline(writer):
    uniform = math.log(len(writer.vocabulary))
    scores = writer.evaluate(TEXT[-500:])
    assert writer.history["val_loss"][-1] < 0.25 * uniform, writer.history
    assert scores["loss"] < 0.25 * uniform
    assert scores["bits_per_character"] == pytest.approx(scores["loss"] / math.log(2))
    assert scores["perplexity"] == pytest.approx(math.exp(scores["loss"]))
    assert writer.generate("the quick brown ", 20, temperature=0) == "fox jumps over the l"


def test_evaluate_without_data_needs_a_saved_source(writer, tmp_path):
    with pytest.raises(DeeptoolkitError, match="given in memory and is not saved"):
        writer.evaluate()
    path = tmp_path / "fox.txt"
    path.write_text(TEXT)
    trained = CharRNN(**{**SMALL, "epochs": 1})
    trained.fit(str(path), verbose=0)
    held_out = trained.evaluate()
    assert held_out["split"] == "validation"
    last_tenth = TEXT[round(len(TEXT) * 0.9):]
    assert held_out["characters"] == len(last_tenth) - 1  # every character after the first, not whole windows only
    assert held_out["loss"] == pytest.approx(trained.history["val_loss"][-1], rel=0.02)


def test_evaluate_scores_every_character_and_whole_windows_as_keras_does(writer):
    whole = TEXT[: 4 * 20 + 1]  # four windows of sequence_length 20, nothing left over
    windows = writer.evaluate(whole)
    assert windows["characters"] == 80
    compiled_loss = writer.model.evaluate(np.array([writer.vocabulary.encode(whole[i * 20:i * 20 + 20]) for i in range(4)]),
                                          np.array([writer.vocabulary.encode(whole[i * 20 + 1:i * 20 + 21]) for i in range(4)]),
                                          verbose=0)
    assert windows["loss"] == pytest.approx(compiled_loss, rel=1e-5)
    longer = writer.evaluate(whole + "the q")  # five more characters, read as a short last window
    assert longer["characters"] == 85 and longer["loss"] != windows["loss"]
    assert writer.evaluate("th")["characters"] == 1  # shorter than one window: still scored


def test_the_same_seed_writes_the_same_text(writer):
    first = writer.generate("the ", 60, temperature=1.2, seed=7)
    assert writer.generate("the ", 60, temperature=1.2, seed=7) == first
    assert writer.generate("the ", 60, temperature=1.2, seed=8) != first
    assert len(writer.generate("t", 33, top_k=3, seed=1)) == 33
    assert len(writer.generate("t", 33, top_p=0.9, seed=1)) == 33


class CountingStepper:
    """Wraps the step model and counts, inside the compiled loop, its calls and the characters fed."""

    def __init__(self, stepper):
        self.stepper, self.inputs, self.outputs = stepper, stepper.inputs, stepper.outputs
        self.calls, self.characters = tf.Variable(0), tf.Variable(0)

    def __call__(self, inputs, training=False):
        self.calls.assign_add(1)
        self.characters.assign_add(tf.size(inputs[0]))
        return self.stepper(inputs, training=training)


def test_cost_per_character_does_not_grow_with_length(writer):
    counter = CountingStepper(char_lstm_stepper(writer.model))
    decoder = StepDecoder(counter, never=[0])
    prime = writer.vocabulary.encode("the ")[None]
    fed = {}
    for length in (50, 100):
        counter.calls.assign(0)
        counter.characters.assign(0)
        decoder.sample(prime, length, seed=0)
        fed[length] = (int(counter.calls.numpy()), int(counter.characters.numpy()))
    # One call reads the prime (3 characters before its last), then one character per call.
    assert fed[50] == (1 + 50, 3 + 50)
    assert fed[100] == (1 + 100, 3 + 100)
    # Temperatures, seeds and lengths are inputs of one compiled loop, not reasons to retrace.
    decoder.sample(prime, 7, temperature=0.3, seed=5)
    assert decoder.traces == 1


def test_save_and_load_write_identical_samples(writer, tmp_path):
    path = writer.save(tmp_path / "fox.dtk")
    loaded = deeptoolkit.load(path)
    assert isinstance(loaded, CharRNN)
    assert loaded.generate("the ", 80, temperature=0.9, seed=3) == writer.generate("the ", 80, temperature=0.9, seed=3)
    assert loaded.evaluate(TEXT[:400])["loss"] == pytest.approx(writer.evaluate(TEXT[:400])["loss"], rel=1e-5)
    np.testing.assert_allclose(
        [p for _, p in loaded.predict("the lazy ")[0]], [p for _, p in writer.predict("the lazy ")[0]], rtol=1e-5
    )


def test_predict_ranks_the_next_character(writer):
    (ranked,) = writer.predict("the lazy ", top=3)
    assert ranked[0][0] == "d" and ranked[0][1] > 0.5
    assert len(ranked) == 3 and ranked[0][1] >= ranked[1][1] >= ranked[2][1]


def test_predict_reads_texts_of_one_length_together_and_compiles_once(writer):
    texts = ["the lazy ", "the quick b", "over the l", "the lazy ", "fox jump"]
    together = writer.predict(texts)
    one_by_one = [writer.predict(text)[0] for text in texts]
    assert together[0] == together[3]  # in the order given
    for a, b in zip(together, one_by_one, strict=True):
        assert [c for c, _ in a] == [c for c, _ in b]
        np.testing.assert_allclose([p for _, p in a], [p for _, p in b], rtol=1e-4)
    assert writer._writer().read_traces == 1  # every batch size and length reuses one compiled read


def test_unseen_prime_characters_are_read_as_unknown_with_a_warning(writer, caplog):
    text = writer.generate("Zebra ", 10, seed=0)
    assert len(text) == 10 and "\ufffd" not in text
    assert "never seen in training" in caplog.text and "Z" in caplog.text


@pytest.mark.parametrize(
    "arguments, message",
    [
        (dict(temperature=-0.5), "temperature must be a number >= 0"),
        (dict(length=-1), "length must be an integer >= 0"),
        (dict(prime=""), "non-empty prime"),
        (dict(top_k=0), "top_k must be a positive integer"),
        (dict(top_p=1.5), r"top_p must be in \(0, 1\]"),
    ],
)
def test_bad_generation_arguments(writer, arguments, message):
    with pytest.raises(DeeptoolkitError, match=message):
        writer.generate(**{"prime": "the ", "length": 10, **arguments})


def test_temperature_zero_is_greedy_and_length_zero_is_empty(writer):
    assert writer.generate("the ", 30, temperature=0, seed=1) == writer.generate("the ", 30, temperature=0, seed=2)
    assert writer.generate("the ", 0) == ""


def test_bad_training_input():
    with pytest.raises(DeeptoolkitError, match="shorter than one window"):
        CharRNN(**SMALL).fit("far too short", verbose=0)
    with pytest.raises(DeeptoolkitError, match="validation"):
        CharRNN(**{**SMALL, "sequence_length": 40}).fit("x" * 300, verbose=0)  # 30 held-out characters
    with pytest.raises(DeeptoolkitError, match="dropout must be in"):
        CharRNN(**{**SMALL, "dropout": 1.0}).fit(TEXT, verbose=0)
    with pytest.raises(NotFittedError):
        CharRNN().generate("the")
