"""Arguments that were renamed: the old name keeps working for now, with a DeprecationWarning."""

import functools
import warnings

from deeptoolkit.errors import DeeptoolkitError


def renamed_argument(old, new):
    """Decorate a method so that `old=` is read as `new=` and warned about."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(*args, **kwargs):
            if old in kwargs:
                if new in kwargs:
                    raise DeeptoolkitError(f"{old} is the old name of {new}; give only {new}. "
                                           f"Received: {old}={kwargs[old]!r}, {new}={kwargs[new]!r}")
                warnings.warn(f"{method.__qualname__}: {old}= is deprecated, use {new}=", DeprecationWarning, stacklevel=2)
                kwargs[new] = kwargs.pop(old)
            return method(*args, **kwargs)

        return wrapper

    return decorate
