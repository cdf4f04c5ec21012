"""The character vocabulary of a CharRNN: learned from the training text, saved with the model."""

import numpy as np

# Index 0: any character the training text did not contain.
UNKNOWN = "\ufffd"


class CharVocabulary:
    unit = "char"

    def __init__(self, chars):
        self.chars = [UNKNOWN] + [c for c in chars if c != UNKNOWN]
        self._index = {c: i for i, c in enumerate(self.chars)}

    @classmethod
    def fit(cls, text):
        return cls(sorted(set(text)))

    @property
    def symbols(self):
        """What each id stands for (as `WordUnits.symbols`)."""
        return self.chars

    def __len__(self):
        return len(self.chars)

    def encode(self, text):
        """int32 ids; unseen characters become 0 (the unknown symbol)."""
        return np.fromiter((self._index.get(c, 0) for c in text), dtype=np.int32, count=len(text))

    def decode(self, ids):
        return "".join(self.chars[int(i)] for i in ids)

    def unknown(self, text):
        """The characters of `text` this vocabulary has never seen, sorted."""
        return sorted({c for c in text if c not in self._index or c == UNKNOWN})

    def to_dict(self):
        return {"chars": self.chars[1:]}

    @classmethod
    def from_dict(cls, data):
        return cls(data["chars"])
