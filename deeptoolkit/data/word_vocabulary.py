"""A word vocabulary with the four symbols sequence models need; learned in fit, saved with the model."""

import collections

import numpy as np

PAD, UNK, START, END = "<pad>", "<unk>", "<start>", "<end>"
SPECIALS = (PAD, UNK, START, END)  # ids 0, 1, 2, 3


class WordVocabulary:
    def __init__(self, words):
        self.words = list(SPECIALS) + [w for w in words if w not in SPECIALS]
        self._index = {w: i for i, w in enumerate(self.words)}

    @classmethod
    def fit(cls, sentences, min_count=1, max_size=None):
        """From token lists: words seen at least `min_count` times, the most frequent first."""
        counts = collections.Counter(token for tokens in sentences for token in tokens)
        kept = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
        return cls(kept[:max_size] if max_size else kept)

    def __len__(self):
        return len(self.words)

    pad, unk, start, end = 0, 1, 2, 3

    def encode(self, tokens, length=None, start=False, end=False):
        """int32 ids (unknown words -> <unk>), optionally framed and cut/padded to `length`."""
        ids = ([self.start] if start else []) + [self._index.get(t, self.unk) for t in tokens] + ([self.end] if end else [])
        if length is not None:
            ids = ids[:length] + [self.pad] * max(0, length - len(ids))
        return np.asarray(ids, "int32")

    def decode(self, ids):
        """Tokens up to the first <end>, without <pad>/<start>."""
        tokens = []
        for i in ids:
            i = int(i)
            if i == self.end:
                break
            if i not in (self.pad, self.start):
                tokens.append(self.words[i])
        return tokens

    def unknown(self, tokens):
        return sorted({t for t in tokens if t not in self._index})

    def to_dict(self):
        return {"words": self.words[len(SPECIALS):]}

    @classmethod
    def from_dict(cls, data):
        return cls(data["words"])
