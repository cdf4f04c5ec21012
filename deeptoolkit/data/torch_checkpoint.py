"""A PyTorch checkpoint (`torch.save` of a state dict) read into numpy arrays, without PyTorch.

Both of torch.save's formats: the zip archive (torch >= 1.6: data.pkl plus one file per
storage) and the legacy stream (a few pickles, then every storage's raw bytes in turn). The
pickle is read by a restricted unpickler that builds only dicts, tensors and plain values,
so a checkpoint cannot run code while it is read. Before any memory is touched, each storage
is checked against the bytes the file holds for it, and each tensor's size, strides and offset
against its storage, so a crafted file cannot make the reader look past a buffer.

    weights = read_state_dict("mobilenet_v2-b0353104.pth")   # {"features.0.0.weight": ndarray, ...}
"""

import collections
import io
import os
import pickle
import struct
import zipfile

import numpy as np

from deeptoolkit.data.safe_zip import check_zip
from deeptoolkit.errors import DeeptoolkitError

_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
# The most one checkpoint may hold in all (the largest torchvision classifiers are about 0.6 GB).
MAX_BYTES = 4 << 30
_STORAGE_DTYPES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16, "BFloat16Storage": None,
    "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16, "CharStorage": np.int8,
    "ByteStorage": np.uint8, "BoolStorage": np.bool_,
}


class _RefusesState:
    """A pickle may not set attributes on the reader's objects (BUILD), past their checks."""

    def __setstate__(self, state):
        raise pickle.UnpicklingError("a PyTorch state dict does not set the state of its tensors or storages")


class _Storage(_RefusesState):
    def __init__(self, key, dtype):
        self.key, self.dtype, self.data = key, dtype, None

    def fill(self, data):
        """Take the storage's bytes, which must be whole items."""
        if len(data) % self.dtype.itemsize:
            raise ValueError(f"storage {self.key} holds {len(data)} bytes, not a whole number of {self.dtype} items")
        self.data = np.frombuffer(data, self.dtype)


class _Tensor(_RefusesState):
    """A view of a storage, made into an array once every storage's bytes are read."""

    def __init__(self, storage, offset, size, stride):
        if not isinstance(storage, _Storage):
            raise ValueError(f"a tensor's storage is a {type(storage).__name__}")
        size, stride = _ints(size, "size"), _ints(stride, "stride")
        (offset,) = _ints((offset,), "offset")
        if len(size) != len(stride):
            raise ValueError(f"a tensor of size {size} has strides {stride}")
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride

    def array(self):
        """The tensor's values as a new array, once its view is known to lie inside its storage."""
        data = self.storage.data
        if data is None:
            raise ValueError(f"storage {self.storage.key} has no data in the file")
        # The furthest item the view reaches; an empty tensor reaches none.
        last = self.offset + sum((n - 1) * s for n, s in zip(self.size, self.stride)) if all(self.size) else -1
        if last >= len(data) or self.offset > len(data):
            raise ValueError(f"a tensor of size {self.size}, strides {self.stride} at offset {self.offset} reaches past its "
                             f"storage of {len(data)} items")
        if int(np.prod(self.size, dtype=np.float64)) > len(data):  # overlapping or zero strides: more values than stored
            raise ValueError(f"a tensor of size {self.size} holds more values than its storage of {len(data)} items")
        if not all(self.size):
            return np.zeros(self.size, data.dtype)
        if not self.size:
            return np.array(data[self.offset])
        item = data.itemsize
        view = np.lib.stride_tricks.as_strided(data[self.offset:], self.size, [s * item for s in self.stride])
        return np.array(view)  # a copy: owns its memory, contiguous


def _ints(values, what):
    """`values` as a tuple of non-negative ints each below MAX_BYTES (no bools, no floats)."""
    if not isinstance(values, (tuple, list)) or len(values) > 16:
        raise ValueError(f"a tensor's {what} is {type(values).__name__} of {len(values) if hasattr(values, '__len__') else '?'} items")
    if not all(type(v) is int and 0 <= v < MAX_BYTES for v in values):
        raise ValueError(f"a tensor's {what} {tuple(values)!r} is not a list of counts below {MAX_BYTES}")
    return tuple(values)


def _rebuild_tensor(storage, offset, size, stride, *unused):
    return _Tensor(storage, offset, size, stride)


def _rebuild_parameter(data, *unused):
    return data


class _Unpickler(pickle.Unpickler):
    def __init__(self, handle, storages):
        super().__init__(handle, encoding="latin1")
        self.storages = storages

    def find_class(self, module, name):
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module == "torch._utils" and name in ("_rebuild_tensor", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if module == "torch._utils" and name == "_rebuild_parameter":
            return _rebuild_parameter
        if module == "torch" and name in _STORAGE_DTYPES:
            if _STORAGE_DTYPES[name] is None:
                raise pickle.UnpicklingError(f"{name} has no numpy type")
            return _STORAGE_DTYPES[name]
        raise pickle.UnpicklingError(f"a PyTorch state dict does not hold {module}.{name}")

    def persistent_load(self, pid):
        if not isinstance(pid, tuple) or len(pid) < 3 or pid[0] != "storage":
            raise pickle.UnpicklingError(f"unknown persistent id {str(pid)[:80]!r}")
        dtype, key = pid[1], str(pid[2])
        if dtype not in _STORAGE_DTYPES.values() or dtype is None:
            raise pickle.UnpicklingError(f"storage {key[:40]!r} is of no known storage type")
        storage = self.storages.setdefault(key, _Storage(key, np.dtype(dtype)))
        if storage.dtype != np.dtype(dtype):
            raise pickle.UnpicklingError(f"storage {key[:40]!r} is named with two types")
        return storage


def read_state_dict(path):
    """{name: float32/int ndarray} of the checkpoint at `path` (a state dict, or a dict holding
    one under "state_dict" or "model")."""
    if not os.path.isfile(path):
        raise DeeptoolkitError(f"PyTorch checkpoint does not exist. Received: path={os.fspath(path)!r}")
    try:
        if zipfile.is_zipfile(path):
            tree = _read_zip(path)
        else:
            with open(path, "rb") as handle:
                tree = _read_legacy(handle, os.path.getsize(path))
        for key in ("state_dict", "model"):
            if isinstance(tree, dict) and isinstance(tree.get(key), dict):
                tree = tree[key]
        if not isinstance(tree, dict):
            raise ValueError(f"it holds a {type(tree).__name__}, not a state dict")
        tensors = {str(name): value for name, value in tree.items() if isinstance(value, _Tensor)}
        total = sum(int(np.prod(t.size, dtype=np.float64)) * t.storage.dtype.itemsize for t in tensors.values())
        if total > MAX_BYTES:
            raise ValueError(f"its tensors hold {total} bytes, more than the {MAX_BYTES} a checkpoint may hold")
        return {name: tensor.array() for name, tensor in tensors.items()}
    except Exception as error:  # noqa: BLE001 - the unpickler builds only our types: any failure is a bad file
        reason = " ".join(str(error).split())[:300] or type(error).__name__
        raise DeeptoolkitError(f"Could not read the PyTorch checkpoint {path} ({reason}). Expected a file written by "
                               "torch.save of a model's state_dict") from None


def _read_legacy(handle, file_size):
    storages = {}

    def load():  # every pickle of the stream through the restricted unpickler
        return _Unpickler(handle, storages).load()

    if load() != _LEGACY_MAGIC:
        raise ValueError("not a PyTorch checkpoint (no magic number)")
    load()  # protocol version
    load()  # system information (byte order, type sizes)
    tree = load()
    keys = load()
    if not isinstance(keys, (list, tuple)):
        raise ValueError("no list of storages after the state dict")
    for key in keys:
        storage = storages[str(key)]
        (count,) = struct.unpack("<q", handle.read(8))
        wanted = count * storage.dtype.itemsize
        if not 0 <= wanted <= min(MAX_BYTES, file_size - handle.tell()):
            raise ValueError(f"storage {storage.key} claims {count} items, more than the file holds")
        storage.fill(handle.read(wanted))
    return tree


def _read_zip(path):
    with zipfile.ZipFile(path) as archive:
        (pickled,) = [n for n in archive.namelist() if n.endswith("/data.pkl") or n == "data.pkl"]
        root = pickled[: -len("data.pkl")]
        check_zip(archive, "its archive", MAX_BYTES)  # names, links, sizes and ratios, before anything is read
        storages = {}
        tree = _Unpickler(io.BytesIO(archive.read(pickled)), storages).load()
        for key, storage in storages.items():
            storage.fill(archive.read(f"{root}data/{key}"))
    return tree
