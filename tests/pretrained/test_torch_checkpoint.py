"""PyTorch checkpoints read without PyTorch: both torch.save formats, views at offsets, and a
pickle that would run code is refused, not run."""

import os
import pickle

import numpy as np
import pytest

from deeptoolkit.data.torch_checkpoint import read_state_dict
from deeptoolkit.errors import DeeptoolkitError

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "pretrained")


@pytest.mark.parametrize("name", ["tiny_zip.pth", "tiny_legacy.pth", "tiny_wrapped.pth"])
def test_both_formats_give_the_saved_tensors(name):
    state = read_state_dict(os.path.join(FIXTURES, name))
    base = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    assert list(state) == ["conv.weight", "conv.bias", "bn.num_batches_tracked", "view.transposed", "mask"]
    np.testing.assert_array_equal(state["conv.weight"], base)
    assert state["conv.bias"].dtype == np.float64 and state["conv.bias"].tolist() == [0.5, -1.5]
    assert state["bn.num_batches_tracked"].shape == () and int(state["bn.num_batches_tracked"]) == 7
    np.testing.assert_array_equal(state["view.transposed"], base[1].T)  # offset 12, strides (1, 4)
    assert state["mask"].tolist() == [True, False, True]


class _Explodes:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


@pytest.mark.parametrize("where", ["first pickle", "state dict"])
def test_a_pickle_that_would_run_code_is_refused_not_run(tmp_path, where):
    path, marker = tmp_path / "evil.pth", tmp_path / "ran"
    with open(path, "wb") as handle:
        if where == "state dict":  # the legacy stream's header, then the payload where the tensors go
            for header in (0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}):
                pickle.dump(header, handle, protocol=2)
        pickle.dump({"weight": _Explodes(marker)}, handle, protocol=2)
    with pytest.raises(DeeptoolkitError, match=r"Could not read the PyTorch checkpoint .*evil.pth .*does not hold posix.system"):
        read_state_dict(path)
    assert not marker.exists()


def test_a_file_that_is_no_checkpoint_is_named(tmp_path):
    path = tmp_path / "notes.pth"
    path.write_text("not a checkpoint")
    with pytest.raises(DeeptoolkitError, match="notes.pth.*Expected a file written by torch.save"):
        read_state_dict(path)
