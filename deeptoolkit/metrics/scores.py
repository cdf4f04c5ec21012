"""Scores: evaluate()'s dict, in which an old metric name still reads, with a DeprecationWarning."""

import warnings


class Scores(dict):
    """A dict of metrics in which `renamed` ({old name: new name}) old names still read."""

    def __init__(self, scores, renamed=None):
        renamed = renamed or {}
        super().__init__(scores, **{old: scores[new] for old, new in renamed.items()})
        self.renamed = renamed

    def __getitem__(self, name):
        if name in self.renamed:
            warnings.warn(f"The metric {name!r} is now {self.renamed[name]!r}; {name!r} will be removed.", DeprecationWarning,
                          stacklevel=2)
        return super().__getitem__(name)
