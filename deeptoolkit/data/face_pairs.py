"""Verification pairs: the LFW `pairs.txt` format, and pairs generated from identity folders.

LFW's format: a header line with the number of folds and the pairs of each kind per fold
("10 300"; the development files have a single count, "1100", meaning one fold), then per
fold that many same-person lines `name i j` followed by that many different-people lines
`name1 i name2 j`, separated by tabs or spaces; i and j are photo numbers (Name_0003.jpg is 3).

Generated pairs: every genuine pair of the people given, plus as many impostor pairs drawn at
random without repeats (seeded), dealt into folds.
"""

import numpy as np

from deeptoolkit.errors import DeeptoolkitError


class Pairs:
    """Pairs of photos as (person, number) twice, whether they show the same person, their fold."""

    def __init__(self, first, second, same, folds):
        self.first = list(first)  # [(person, number)]
        self.second = list(second)
        self.same = np.asarray(same, bool)
        self.folds = np.asarray(folds, "int32")

    def __len__(self):
        return len(self.same)

    def indices(self, faces, source="pairs"):
        """(i, j) positions in `faces`, or an error naming the first pair whose photo is missing."""
        first, second = [], []
        for k, (a, b) in enumerate(zip(self.first, self.second)):
            for (person, number), out in ((a, first), (b, second)):
                position = faces.index(person, number)
                if position is None:
                    known = person in faces.people
                    what = f"photo {number} of {person!r}" if known else f"person {person!r}"
                    raise DeeptoolkitError(f"{source}: pair {k + 1} names {what}, which is not in the photos {faces.spec!r}. "
                                           f"Received: {a[0]} {a[1]} / {b[0]} {b[1]}")
                out.append(position)
        return np.asarray(first), np.asarray(second)


def read_pairs_file(path):
    """Pairs of an LFW-format pairs file, with the fold of each line."""
    try:
        with open(path, encoding="utf-8-sig") as handle:
            lines = [line.split() for line in handle]
    except FileNotFoundError:
        raise DeeptoolkitError(f"No such pairs file. Received: pairs={str(path)!r}") from None
    except UnicodeDecodeError as error:
        raise DeeptoolkitError(f"Pairs file is not UTF-8 text ({error}). Received: pairs={str(path)!r}") from None
    numbered = [(n + 1, words) for n, words in enumerate(lines) if words]
    if not numbered:
        raise DeeptoolkitError(f"Pairs file is empty. Received: pairs={str(path)!r}")
    line, header = numbered[0]
    if not (1 <= len(header) <= 2 and all(w.isdigit() for w in header)):
        raise DeeptoolkitError(f"{path}:{line}: expected a header 'folds pairs-per-fold' (e.g. '10 300') or a count. Received: {' '.join(header)!r}")
    folds, each = (1, int(header[0])) if len(header) == 1 else (int(header[0]), int(header[1]))
    body = numbered[1:]
    if len(body) != folds * each * 2:
        raise DeeptoolkitError(f"{path}: header {' '.join(header)!r} promises {folds * each * 2} pair lines. Received: {len(body)} lines")
    first, second, same, fold_of = [], [], [], []
    for k, (line, words) in enumerate(body):
        genuine = (k // each) % 2 == 0
        expected = 3 if genuine else 4
        if len(words) != expected or not (words[1].isdigit() and words[-1].isdigit()):
            kind = "'name i j' (same person)" if genuine else "'name1 i name2 j' (different people)"
            raise DeeptoolkitError(f"{path}:{line}: expected {kind} here. Received: {' '.join(words)!r}")
        a = (words[0], int(words[1]))
        b = (words[0], int(words[2])) if genuine else (words[2], int(words[3]))
        first.append(a)
        second.append(b)
        same.append(genuine)
        fold_of.append(k // (2 * each))
    return Pairs(first, second, same, fold_of)


def generated_pairs(faces, folds=10, seed=0):
    """All genuine pairs of `faces` and as many distinct impostor pairs, dealt into `folds`."""
    rng = np.random.default_rng(seed)
    labels = faces.labels
    genuine = [(i, j) for label in np.unique(labels) for w in [np.flatnonzero(labels == label)]
               for a, i in enumerate(w) for j in w[a + 1 :]]
    if not genuine:
        raise DeeptoolkitError(f"No person in {faces.spec!r} has two photos, so no genuine pair exists.")
    if len(np.unique(labels)) < 2:
        raise DeeptoolkitError(f"Impostor pairs need at least two people. Received: {faces.people}")
    impostors, seen = [], set()
    possible = (len(labels) ** 2 - np.sum(np.bincount(labels) ** 2)) // 2
    wanted = min(len(genuine), int(possible))
    while len(impostors) < wanted:
        i, j = (int(v) for v in rng.integers(0, len(labels), 2))
        key = (min(i, j), max(i, j))
        if labels[i] != labels[j] and key not in seen:
            seen.add(key)
            impostors.append(key)
    pairs = genuine + impostors
    same = np.asarray([True] * len(genuine) + [False] * len(impostors))
    # Folds: each gets its share of both kinds.
    fold = np.empty(len(pairs), "int32")
    for kind in (True, False):
        where = rng.permutation(np.flatnonzero(same == kind))
        fold[where] = np.arange(len(where)) % folds
    def name(i):
        return faces.people[labels[i]], int(faces.numbers[i])

    return Pairs([name(i) for i, _ in pairs], [name(j) for _, j in pairs], same, fold)
