"""Checks of argument values shared by the tasks: each raises DeeptoolkitError naming the argument."""

from deeptoolkit.errors import DeeptoolkitError


def check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DeeptoolkitError(f"{name} must be a positive integer. Received: {name}={value!r}")


def check_fraction(name, value, one_allowed=False):
    """A number in [0, 1), or [0, 1] with one_allowed."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (0 <= value <= 1 if one_allowed else 0 <= value < 1):
        raise DeeptoolkitError(f"{name} must be in [0, {'1]' if one_allowed else '1)'}. Received: {name}={value!r}")


def check_non_negative(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise DeeptoolkitError(f"{name} must be a number >= 0. Received: {name}={value!r}")


def check_choice(name, value, choices):
    if value not in choices:
        shown = ", ".join(repr(c) if c is None or isinstance(c, str) else str(c) for c in choices)
        raise DeeptoolkitError(f"{name} must be one of {shown}. Received: {name}={value!r}")


def check_bool(name, value):
    if not isinstance(value, bool):
        raise DeeptoolkitError(f"{name} must be True or False. Received: {name}={value!r}")


def check_sampling(temperature, top_k, top_p):
    """Raise a clear error for sampling settings that cannot work."""
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or temperature < 0:
        raise DeeptoolkitError(
            f"temperature must be a number >= 0 (0 picks the most likely token every step). Received: temperature={temperature!r}"
        )
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
        raise DeeptoolkitError(f"top_k must be a positive integer or None. Received: top_k={top_k!r}")
    if top_p is not None and (isinstance(top_p, bool) or not isinstance(top_p, (int, float)) or not 0 < top_p <= 1):
        raise DeeptoolkitError(f"top_p must be in (0, 1] or None. Received: top_p={top_p!r}")
