"""JSON-ready copies of what tasks return (numpy scalars and arrays inside dicts and lists)."""

import numpy as np


def plain(value):
    """JSON-ready copies of numpy scalars and arrays inside dicts and lists."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value
