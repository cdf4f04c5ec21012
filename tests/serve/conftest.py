import io

import numpy as np
import pytest

from deeptoolkit import registry
from tests.tiny_tasks import TINY


@pytest.fixture(scope="session")
def served_models(tmp_path_factory):
    """One tiny fitted model of each of the six tasks, by name."""
    folder = tmp_path_factory.mktemp("served")
    models = {}
    for name, (config, data) in TINY.items():
        task = registry.task_class(registry.TASKS[name])(**config, epochs=1, seed=0)
        task.fit(data(folder), verbose=0)
        models[name.replace("-", "_")] = task
    return models


def png(array):
    """PNG bytes of a uint8 array (H, W) or (H, W, 3)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.asarray(array, "uint8")).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="session")
def images():
    rng = np.random.default_rng(0)
    return {"digit": png(rng.integers(0, 255, (8, 8))), "face": png(rng.integers(0, 255, (32, 32))),
            "scene": png(rng.integers(0, 255, (32, 32, 3)))}
