"""The models a server answers for: `name=path` or a path, each loaded once at start-up."""

import os
import re

from deeptoolkit.errors import DeeptoolkitError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def model_name(path):
    """A file's stem (digits.dtk -> digits), or a run folder's name (runs/digits -> digits)."""
    path = os.path.normpath(os.fspath(path))
    base = os.path.basename(path)
    if os.path.isdir(path) or base == "model.dtk":
        base = os.path.basename(path if os.path.isdir(path) else os.path.dirname(path)) or base
    return os.path.splitext(base)[0]


def load_models(specs):
    """{name: fitted task} from "name=path" or "path" specs; a bad name, a name used twice, or a
    file that fails to load is an error naming it."""
    import deeptoolkit

    named = []
    for spec in specs:
        name, path = spec.split("=", 1) if "=" in spec and not os.path.exists(spec) else (None, spec)
        name = name if name is not None else model_name(path)
        if not _NAME.match(name):
            raise DeeptoolkitError(f"A model name may hold letters, digits, '_', '.' and '-'. Received: {name!r} (from {spec!r}); "
                                   "choose one with NAME=PATH")
        named.append((name, path))
    names = [name for name, _ in named]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise DeeptoolkitError(f"Two models would be served as {twice[0]!r}: name them with NAME=PATH")
    models = {}
    for name, path in named:
        try:
            models[name] = deeptoolkit.load(path)
        except DeeptoolkitError as error:
            raise DeeptoolkitError(f"Could not load the model {name!r}: {error}") from error
    return models
