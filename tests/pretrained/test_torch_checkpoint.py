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


def _legacy_checkpoint(path, size, stored, monkeypatch, state=None):
    """A legacy-stream checkpoint whose one tensor claims `size` floats over a storage of `stored`,
    pickled as torch.save does (stand-ins for torch's names, so that no torch is needed)."""
    import collections
    import struct
    import sys
    import types

    torch, utils = types.ModuleType("torch"), types.ModuleType("torch._utils")

    class FloatStorage:
        pass

    def _rebuild_tensor_v2(*arguments):
        pass

    FloatStorage.__module__, _rebuild_tensor_v2.__module__ = "torch", "torch._utils"
    FloatStorage.__qualname__, _rebuild_tensor_v2.__qualname__ = "FloatStorage", "_rebuild_tensor_v2"
    torch.FloatStorage, utils._rebuild_tensor_v2 = FloatStorage, _rebuild_tensor_v2
    monkeypatch.setitem(sys.modules, "torch", torch)
    monkeypatch.setitem(sys.modules, "torch._utils", utils)

    class Storage:
        pass

    class Tensor:
        def __reduce__(self):  # with a state: a BUILD after the tensor is rebuilt
            rebuilt = (_rebuild_tensor_v2, (Storage(), 0, (size,), (1,), False, collections.OrderedDict()))
            return rebuilt if state is None else (*rebuilt, state)

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            return ("storage", FloatStorage, "0", "cpu", stored) if isinstance(obj, Storage) else None

    with open(path, "wb") as handle:
        for header in (0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}):
            pickle.dump(header, handle, protocol=2)
        Pickler(handle, protocol=2).dump(collections.OrderedDict(weight=Tensor()))
        pickle.dump(["0"], handle, protocol=2)
        handle.write(struct.pack("<q", stored) + np.arange(stored, dtype="float32").tobytes())


@pytest.mark.parametrize("size", [8, 10**8, 2**40])
def test_a_tensor_claiming_more_than_its_storage_holds_is_refused(tmp_path, monkeypatch, size):
    path = tmp_path / "claims.pth"
    _legacy_checkpoint(path, size, 1, monkeypatch)
    with pytest.raises(DeeptoolkitError, match=r"claims.pth .*reach(es)? past its storage of 1 items|claims.pth .*counts below"):
        read_state_dict(path)


def test_a_tensor_that_fits_its_storage_is_read_and_a_storage_past_the_file_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "fits.pth"
    _legacy_checkpoint(path, 4, 4, monkeypatch)
    assert read_state_dict(path)["weight"].tolist() == [0.0, 1.0, 2.0, 3.0]
    data = path.read_bytes()
    cut = tmp_path / "cut.pth"
    cut.write_bytes(data[:-8])  # the storage says 4 floats; the file holds 2
    with pytest.raises(DeeptoolkitError, match="cut.pth .*storage 0 claims 4 items, more than the file holds"):
        read_state_dict(cut)


def test_a_zip_checkpoint_that_would_unpack_past_the_bound_is_refused(tmp_path, monkeypatch):
    import zipfile

    from deeptoolkit.data import torch_checkpoint

    path = tmp_path / "bomb.pth"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("archive/data.pkl", pickle.dumps({}, protocol=2))
        archive.writestr("archive/data/0", b"\0" * 3_000_000)
    monkeypatch.setattr(torch_checkpoint, "MAX_BYTES", 1_000_000)
    with pytest.raises(DeeptoolkitError, match="bomb.pth .*would unpack to"):
        read_state_dict(path)


def test_a_pickle_cannot_reset_a_tensor_after_its_checks(tmp_path, monkeypatch):
    """BUILD on a rebuilt tensor (to move its offset before the buffer after it was checked) is refused."""

    path = tmp_path / "built.pth"
    _legacy_checkpoint(path, 4, 4, monkeypatch, state={"offset": -5})
    with pytest.raises(DeeptoolkitError, match="built.pth .*does not set the state"):
        read_state_dict(path)


@pytest.mark.parametrize("size, stride", [((2**20,), (0,)), ((3, 3), (0, 1))])
def test_a_view_with_more_values_than_its_storage_is_refused(tmp_path, monkeypatch, size, stride):
    import collections

    from deeptoolkit.data import torch_checkpoint

    storage = torch_checkpoint._Storage("0", np.dtype("float32"))
    storage.fill(np.zeros(4, "float32").tobytes())
    tensor = torch_checkpoint._Tensor(storage, 0, size, stride)
    monkeypatch.setattr(torch_checkpoint, "_read_legacy", lambda handle, size: collections.OrderedDict(weight=tensor))
    path = tmp_path / "overlap.pth"
    path.write_bytes(b"not zip")
    with pytest.raises(DeeptoolkitError, match="overlap.pth .*more values than its storage of 4 items"):
        read_state_dict(path)
