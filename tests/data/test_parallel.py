"""Parallel text: the Tatoeba/Anki format, aligned files, the phrasebook generator, tokenisation."""

import pytest

from deeptoolkit.data import phrasebook
from deeptoolkit.data.parallel import BUILTIN_PAIRS, detokenize, read_pairs, tokenize
from deeptoolkit.data.word_vocabulary import WordVocabulary
from deeptoolkit.errors import DeeptoolkitError


def test_tokenize_lowercases_and_splits_punctuation_and_elisions_alike():
    assert tokenize("Ma montre est à l'heure exacte.") == ["ma", "montre", "est", "à", "l'", "heure", "exacte", "."]
    assert tokenize("Va\u202f!") == ["va", "!"]  # Tatoeba's narrow no-break space
    assert tokenize("Well-known, isn't it?") == ["well-known", ",", "isn'", "t", "it", "?"]
    assert detokenize(["j'", "aime", "l'", "arbre", "."]) == "j'aime l'arbre."


def test_tatoeba_file_with_attribution_and_reverse(tmp_path):
    path = tmp_path / "fra.txt"
    path.write_text("Go.\tVa !\tCC-BY 2.0 (France) Attribution: tatoeba.org\n\nHi.\tSalut !\n", encoding="utf-8")
    assert read_pairs(str(path))[0] == [("Go.", "Va !"), ("Hi.", "Salut !")]
    assert read_pairs(str(path), reverse=True)[0][1] == ("Salut !", "Hi.")


@pytest.mark.parametrize(
    "content, message",
    [
        ("Go.\tVa !\nno tab here\n", "fra.txt:2: expected source<TAB>target"),
        ("Go.\tVa !\n\tSalut !\n", "fra.txt:2: expected text on both sides of the tab. Received: an empty source"),
        ("Go.\t \n", "fra.txt:1: expected text on both sides of the tab. Received: an empty target"),
    ],
)
def test_bad_tatoeba_lines_name_file_and_line(tmp_path, content, message):
    path = tmp_path / "fra.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DeeptoolkitError, match=message):
        read_pairs(str(path))


def test_a_file_in_another_encoding_names_the_line(tmp_path):
    path = tmp_path / "fra.txt"
    path.write_bytes("Go.\tVa !\nCoffee.\tCaf\xe9.\n".encode("latin-1"))
    with pytest.raises(DeeptoolkitError, match="fra.txt:2: expected UTF-8"):
        read_pairs(str(path))


def test_aligned_files_and_lists(tmp_path):
    (tmp_path / "train.en").write_text("a cat .\na dog .\n")
    (tmp_path / "train.fr").write_text("un chat .\nun chien .\n")
    pairs, _ = read_pairs((str(tmp_path / "train.en"), str(tmp_path / "train.fr")))
    assert pairs == [("a cat .", "un chat ."), ("a dog .", "un chien .")]
    (tmp_path / "train.fr").write_text("un chat .\n")
    with pytest.raises(DeeptoolkitError, match="as many lines"):
        read_pairs((str(tmp_path / "train.en"), str(tmp_path / "train.fr")))
    assert read_pairs([("hello", "bonjour")])[0] == [("hello", "bonjour")]
    with pytest.raises(DeeptoolkitError, match=r"Received: data\[1\]"):
        read_pairs([("hello", "bonjour"), ("", "vide")])
    with pytest.raises(DeeptoolkitError, match="No such file"):
        read_pairs(str(tmp_path / "missing.txt"))


def test_phrasebook_is_deterministic_and_grammatical():
    assert phrasebook.generate_pairs(50, seed=3) == phrasebook.generate_pairs(50, seed=3)
    assert phrasebook.generate_pairs(50, seed=3) != phrasebook.generate_pairs(50, seed=4)
    pairs = dict(phrasebook.all_pairs())
    assert pairs["i like the apple ."] == "j'aime la pomme ."
    assert pairs["we never buy the big books ."] == "nous n'achetons jamais les grands livres ."
    assert pairs["she often sees the red trees ."] == "elle voit souvent les arbres rouges ."
    assert pairs["i have the old tree ."] == "j'ai le vieil arbre ."
    assert read_pairs(BUILTIN_PAIRS)[1] == BUILTIN_PAIRS


def test_word_vocabulary_frames_pads_and_maps_unknown_words():
    vocabulary = WordVocabulary.fit([["a", "cat"], ["a", "dog"]])
    ids = vocabulary.encode(["a", "bird"], length=5, start=True, end=True)
    assert ids.tolist() == [vocabulary.start, vocabulary.words.index("a"), vocabulary.unk, vocabulary.end, 0]
    assert vocabulary.decode(ids) == ["a", "<unk>"]
    assert WordVocabulary.fit([["a", "b", "a"]], min_count=2).words[4:] == ["a"]
