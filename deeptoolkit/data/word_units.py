"""The units a CharRNN reads: characters (`CharVocabulary`) or words (`WordUnits`).

Words make it a neural language model that predicts the next word (Bengio et al. 2003, with an
LSTM as in the review), whose input embedding holds learned word vectors. Text is lower-cased
and split into words (letters, with inner apostrophes: "don't"), numbers, single punctuation
marks and line ends; the `max_words` most frequent words are kept, the rest read as <unk>.
"""

import collections
import re

import numpy as np

from deeptoolkit.data.char_vocabulary import CharVocabulary
from deeptoolkit.errors import DeeptoolkitError

UNKNOWN_WORD = "<unk>"
UNITS = ("char", "word")
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+|[^\w\s]|\n")
# Written without a space before them when text is put back together.
_CLOSING = set(".,;:!?)]}%'\"…")


def tokenize(text):
    """Lower-cased word, number, punctuation and line-end tokens of `text`."""
    return _TOKEN.findall(text.lower())


class WordUnits:
    """Words by frequency, id 0 being <unk>; encodes text to ids and back."""

    unit = "word"

    def __init__(self, words):
        self.symbols = [UNKNOWN_WORD] + [w for w in words if w != UNKNOWN_WORD]
        self._index = {w: i for i, w in enumerate(self.symbols)}

    @classmethod
    def fit(cls, text, max_words=10_000):
        counts = collections.Counter(tokenize(text))
        return cls(sorted(counts, key=lambda w: (-counts[w], w))[:max_words])

    def __len__(self):
        return len(self.symbols)

    def encode(self, text):
        return np.asarray([self._index.get(t, 0) for t in tokenize(text)], dtype=np.int32)

    def decode(self, ids):
        """Text of the words, each after a space except punctuation that closes and line starts."""
        pieces, previous = [], None
        for i in ids:
            word = self.symbols[int(i)]
            glued = word in _CLOSING or word == "\n" or previous == "\n"
            pieces.append(word if glued else " " + word)
            previous = word
        return "".join(pieces)

    def unknown(self, text):
        return sorted({t for t in tokenize(text) if t not in self._index})

    def index(self, word):
        """The id of `word` (lower-cased); an unknown word is an error naming it."""
        key = word.lower().strip() if isinstance(word, str) else None
        if key not in self._index or key == UNKNOWN_WORD:
            raise DeeptoolkitError(f"The word {word!r} is not in this model's vocabulary of {len(self) - 1} words "
                                   f"(the {len(self) - 1} most frequent of its training text, lower-cased)")
        return self._index[key]

    def to_dict(self):
        return {"unit": "word", "words": self.symbols[1:]}


def fit_units(unit, text, max_words):
    """The vocabulary of `text` in characters or in words."""
    return WordUnits.fit(text, max_words) if unit == "word" else CharVocabulary.fit(text)


def units_from_dict(data):
    """A saved vocabulary (a character vocabulary when it names no unit, as models saved before words)."""
    return WordUnits(data["words"]) if data.get("unit") == "word" else CharVocabulary.from_dict(data)
