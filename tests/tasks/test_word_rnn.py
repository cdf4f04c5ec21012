"""CharRNN(unit="word"): a word language model and its learned word vectors."""

import random

import numpy as np
import pytest

import deeptoolkit
from deeptoolkit import CharRNN
from deeptoolkit.data.word_units import WordUnits, tokenize
from deeptoolkit.errors import DeeptoolkitError

# Words of a class are used in exactly the same contexts, so a language model gives them
# near vectors: the planted structure the test recovers.
CLASSES = {
    "day": "monday tuesday wednesday thursday friday saturday sunday".split(),
    "colour": "red blue green yellow black white".split(),
    "animal": "cat dog horse bird fish goat".split(),
    "number": "two three four five six seven".split(),
}
TEMPLATES = ("i saw a {colour} {animal} on {day} .", "the {animal} ate {number} apples .", "on {day} we painted the house {colour} .",
             "my {animal} has {number} friends .", "we meet every {day} at {number} .", "her {colour} hat fell on the {animal} .")
SMALL = dict(unit="word", sequence_length=20, embedding_dim=16, units=32, layers=1, epochs=6, learning_rate=1e-2, patience=0,
             sample_length=0, seed=0)


def planted_corpus(lines, seed):
    rng = random.Random(seed)
    return "".join(rng.choice(TEMPLATES).format(**{k: rng.choice(v) for k, v in CLASSES.items()}) + "\n" for _ in range(lines))


@pytest.fixture(scope="module")
def words(tmp_path_factory):
    path = tmp_path_factory.mktemp("corpus") / "planted.txt"
    path.write_text(planted_corpus(3000, 0))
    return CharRNN(**SMALL).fit(str(path), verbose=0)


def test_words_used_in_the_same_contexts_are_each_others_nearest(words):
    for members in CLASSES.values():
        for word in members:
            nearest = [other for other, _ in words.nearest_words(word, k=3)]
            assert set(nearest) <= set(members), (word, nearest)
    similarities = [s for _, s in words.nearest_words("monday", k=10)]
    assert similarities == sorted(similarities, reverse=True) and len(similarities) == 10


def test_word_vectors_and_the_held_out_perplexity(words):
    vectors = words.word_vectors()
    assert "monday" in vectors and "<unk>" not in vectors and vectors["monday"].shape == (16,)
    assert len(vectors) == len(words.vocabulary) - 1
    scores = words.evaluate()
    assert {"bits_per_word", "words", "unknown_words"} <= set(scores) and scores["split"] == "validation"
    # Each template leaves at most 7 choices per slot: far below the 30-word vocabulary's perplexity.
    assert scores["perplexity"] < 8


def test_it_writes_and_predicts_words(words, tmp_path):
    text = words.generate("i saw a", length=12, temperature=0.5, seed=1)
    assert text.startswith(" ") and set(tokenize(text)) <= set(words.vocabulary.symbols)
    assert len(tokenize(text)) == 12
    (ranked,) = words.predict("the dog ate")
    assert len(ranked) == 5 and all(word in words.vocabulary.symbols for word, _ in ranked)
    assert [p for _, p in ranked] == sorted((p for _, p in ranked), reverse=True)
    loaded = deeptoolkit.load(words.save(tmp_path / "words.dtk"))
    assert loaded.vocabulary.unit == "word" and loaded.nearest_words("red", 3) == words.nearest_words("red", 3)


def test_the_word_map_is_a_png(words, tmp_path):
    path = words.draw_word_map(tmp_path / "words.png", words=25)
    assert (tmp_path / "words.png").stat().st_size > 10_000 and path == str(tmp_path / "words.png")


def test_bad_words_and_character_models_are_clear_errors(words):
    with pytest.raises(DeeptoolkitError, match="'zebra' is not in this model's vocabulary"):
        words.nearest_words("zebra")
    with pytest.raises(DeeptoolkitError, match="at least one word"):
        words.generate("   ", length=3)
    with pytest.raises(DeeptoolkitError, match="unit"):
        CharRNN(unit="sentence")
    chars = CharRNN(sequence_length=8, units=8, layers=1, epochs=1, sample_length=0).fit("abc abd abe " * 20, verbose=0)
    with pytest.raises(DeeptoolkitError, match="unit='word'"):
        chars.word_vectors()


def test_the_vocabulary_keeps_the_most_frequent_words_and_puts_text_back():
    units = WordUnits.fit("The cat sat. The cat ran!\nA dog sat.", max_words=5)
    assert units.symbols == ["<unk>", ".", "cat", "sat", "the", "\n"]  # by count, then by code point
    assert units.decode(units.encode("the cat sat .\nthe dog")) == " the cat sat.\nthe <unk>"
    assert tokenize("Don't stop: 42 dogs") == ["don't", "stop", ":", "42", "dogs"]
    assert np.array_equal(units.encode("CAT"), [2])


def test_a_word_model_ties_its_output_to_its_embedding_and_keeps_it_when_loaded(words, tmp_path):
    import keras

    table = words.model.get_layer("embedding").embeddings
    scored_by_the_table = [w for w in words.model.weights if tuple(w.shape) in {tuple(table.shape), tuple(table.shape)[::-1]}]
    assert len(scored_by_the_table) == 1  # one table of word vectors, read at the input and at the output
    loaded = deeptoolkit.load(words.save(tmp_path / "tied.dtk"))
    assert loaded.generate("i saw a", 8, temperature=0) == words.generate("i saw a", 8, temperature=0)
    untied = CharRNN(**{**SMALL, "epochs": 1, "tie_embeddings": False}).fit(planted_corpus(200, 1), verbose=0)
    assert isinstance(untied.model.get_layer("logits"), keras.layers.Dense)
    with pytest.raises(DeeptoolkitError, match="tie_embeddings must be None, True or False. Received: tie_embeddings='yes'"):
        CharRNN(tie_embeddings="yes")
