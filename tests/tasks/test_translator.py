"""Translator: learns a small phrasebook, decodes greedily and with beams, saves, refuses bad input."""

import numpy as np
import pytest

import deeptoolkit
from deeptoolkit import Translator
from deeptoolkit.data import phrasebook
from deeptoolkit.errors import DeeptoolkitError

SMALL = dict(embedding_dim=32, units=64, epochs=12, batch_size=32, learning_rate=1e-2, patience=0, seed=0)


@pytest.fixture(scope="module")
def pairs():
    return phrasebook.generate_pairs(1500, seed=0)


@pytest.fixture(scope="module")
def translator(pairs):
    translator = Translator(**SMALL)
    translator.fit(pairs, verbose=0)
    return translator


@pytest.fixture(scope="module")
def held_out(pairs):
    """Phrasebook pairs the translator never trained on (another seed, training sentences left out)."""
    seen = {source for source, _ in pairs}
    return [pair for pair in phrasebook.generate_pairs(1500, seed=1) if pair[0] not in seen][:200]


def test_learns_the_phrasebook(translator, held_out):
    with pytest.raises(DeeptoolkitError, match="given in memory and is not saved"):
        translator.evaluate()  # the pairs were given in memory: nothing to re-read
    assert len(held_out) == 200
    scores = translator.evaluate(held_out)
    assert scores["pairs"] == 200 and scores["split"] == "given"
    assert scores["token_accuracy"] > 0.8, scores
    assert scores["bleu4"] > 0.5, scores
    assert translator.history["val_loss"][-1] < 0.5 * translator.history["val_loss"][0]


def test_beam_search_is_at_least_as_good_here_and_outputs_stop_at_the_end_token(translator, pairs):
    greedy = translator.evaluate(pairs[:100])
    beam = translator.evaluate(pairs[:100], beam=4)
    assert beam["bleu4"] >= greedy["bleu4"] - 0.05
    out = translator.translate("we often see the red cars .", beam=3)
    assert out and "<end>" not in out and "<pad>" not in out
    assert len(translator.translate("we see the cat .", max_length=2).split()) <= 2


def test_decoding_loops_compile_once(translator):
    translator.translate(["i like the dog .", "she sees the tree ."])
    translator.translate(["they buy the small chairs today .", "we find the old book .", "you paint the bird ."])
    decoder = translator._writer().decoder
    traces = decoder.traces
    translator.translate("i have the cat .")
    translator.translate("my friend likes the green boats .")
    assert decoder.traces == traces  # other batch sizes and lengths reuse the compiled loop


def test_attention_matrix_and_plot(translator, tmp_path):
    from deeptoolkit.plots import translation_attention

    result = translator.attention("the children like the pretty flowers .")
    weights = np.asarray(result["weights"])
    assert weights.shape == (len(result["target"]), len(result["source"]))
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-3)
    path = translation_attention(result["source"], result["target"], weights, tmp_path / "map.png")
    assert (tmp_path / "map.png").stat().st_size > 1000 and path.endswith("map.png")


def test_save_load_translates_identically(translator, tmp_path):
    loaded = deeptoolkit.load(translator.save(tmp_path / "t.dtk"))
    sentences = ["we never buy the big books .", "he paints the black car today ."]
    assert loaded.translate(sentences, beam=2) == translator.translate(sentences, beam=2)


def test_unknown_and_too_long_sentences(translator, caplog):
    assert isinstance(translator.translate("the zebra sees the cat ."), str)  # zebra -> <unk>, no crash
    long_sentence = " ".join(["the cat"] * 30)
    assert isinstance(translator.translate(long_sentence), str)
    assert "only the first max_length=20 are translated" in caplog.text
    with pytest.raises(DeeptoolkitError, match="a sentence with words in it"):
        translator.translate("  ")
    with pytest.raises(DeeptoolkitError, match="beam must be a positive integer"):
        translator.translate("the cat .", beam=0)


def test_plain_encoder_decoder_learns_and_has_no_attention(pairs, held_out):
    plain = Translator(**{**SMALL, "attention": None, "epochs": 6})
    plain.fit(pairs, verbose=0)
    scores = plain.evaluate(held_out)
    # Sutskever's plain encoder-decoder: well above chance on new sentences, below the attentional one.
    assert scores["token_accuracy"] > 0.5 and plain.history["val_loss"][-1] < 0.5 * plain.history["val_loss"][0], scores
    with pytest.raises(DeeptoolkitError, match="no attention"):
        plain.attention("i like the cat .")
    with pytest.raises(DeeptoolkitError, match="attention must be one of"):
        Translator(attention="cosine").fit(pairs[:10], verbose=0)


def test_every_pair_is_scored_and_long_sources_are_cut_and_counted(translator, held_out, caplog):
    long_pair = (" ".join(["the small cat"] * 8) + " .", " ".join(["le petit chat"] * 8) + " .")
    scores = translator.evaluate(held_out[:20] + [long_pair])
    assert scores["pairs"] == 21 and scores["sources_cut"] == 1 and scores["references_longer"] == 1
    assert "1 source(s) longer than max_length=20 tokens" in caplog.text


def test_encode_gives_one_finite_vector_per_sentence(translator):
    codes = translator.encode(["she likes the red dog .", "she likes the red cat .", "they never find the letter ."])
    assert codes.shape == (3, 64) and codes.dtype == np.float32 and np.isfinite(codes).all()
    np.testing.assert_allclose(translator.encode("she likes the red dog .")[0], codes[0], rtol=1e-5, atol=1e-6)


def test_nearest_sentences_rank_by_the_encoders_summary(translator, tmp_path):
    candidates = ["she likes the red dog .", "she likes the red cat .", "she likes the small dog .", "they never find the letter .",
                  "we often paint the big bird ."]
    ranked = translator.nearest_sentences("she likes the red dog .", candidates, k=3)
    assert len(ranked) == 3 and "she likes the red dog ." not in [s for s, _ in ranked]
    assert [s for _, s in ranked] == sorted((s for _, s in ranked), reverse=True)
    # A sentence one word away is nearer than one that shares nothing.
    assert dict(translator.nearest_sentences("she likes the red dog .", candidates, k=4))["she likes the red cat ."] > \
        dict(translator.nearest_sentences("she likes the red dog .", candidates, k=4))["they never find the letter ."]
    path = translator.draw_sentence_map(candidates, tmp_path / "phrases.png")
    assert (tmp_path / "phrases.png").stat().st_size > 10_000 and path == str(tmp_path / "phrases.png")


def test_bad_sentences_to_encode_are_clear_errors(translator):
    with pytest.raises(DeeptoolkitError, match="non-empty list"):
        translator.encode([])
    with pytest.raises(DeeptoolkitError, match="sentence 1"):
        translator.encode(["i like the cat .", "  "])
    with pytest.raises(DeeptoolkitError, match="candidate"):
        translator.nearest_sentences("i like the cat .", [])
    with pytest.raises(DeeptoolkitError, match="at least 3"):
        translator.draw_sentence_map(["i like the cat .", "we see the car ."], "unused.png")
