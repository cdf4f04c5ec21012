"""A PyTorch checkpoint (`torch.save` of a state dict) read into numpy arrays, without PyTorch.

Both of torch.save's formats: the zip archive (torch >= 1.6: data.pkl plus one file per
storage) and the legacy stream (a few pickles, then every storage's raw bytes in turn). The
pickle is read by a restricted unpickler that builds only dicts, tensors and plain values,
so a checkpoint cannot run code while it is read.

    weights = read_state_dict("mobilenet_v2-b0353104.pth")   # {"features.0.0.weight": ndarray, ...}
"""

import collections
import io
import pickle
import struct
import zipfile

import numpy as np

from deeptoolkit.errors import DeeptoolkitError

_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_STORAGE_DTYPES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16, "BFloat16Storage": None,
    "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16, "CharStorage": np.int8,
    "ByteStorage": np.uint8, "BoolStorage": np.bool_,
}


class _Storage:
    def __init__(self, dtype):
        self.dtype, self.data = dtype, None


class _Tensor:
    """A view of a storage, made into an array once every storage's bytes are read."""

    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)

    def array(self):
        data = self.storage.data
        if not self.size:
            return np.array(data[self.offset])
        item = data.itemsize
        view = np.lib.stride_tricks.as_strided(data[self.offset:], self.size, [s * item for s in self.stride])
        return np.array(view)  # a copy: owns its memory, contiguous


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
        kind, dtype, key = pid[0], pid[1], str(pid[2])
        if kind != "storage":
            raise pickle.UnpicklingError(f"unknown persistent id {kind!r}")
        return self.storages.setdefault(key, _Storage(np.dtype(dtype)))


def read_state_dict(path):
    """{name: float32/int ndarray} of the checkpoint at `path` (a state dict, or a dict holding
    one under "state_dict" or "model")."""
    try:
        if zipfile.is_zipfile(path):
            tree = _read_zip(path)
        else:
            with open(path, "rb") as handle:
                tree = _read_legacy(handle)
    except (pickle.UnpicklingError, EOFError, ValueError, struct.error, KeyError, OSError) as error:
        raise DeeptoolkitError(f"Could not read the PyTorch checkpoint {path} ({error}). Expected a file written by "
                               "torch.save of a model's state_dict") from None
    for key in ("state_dict", "model"):
        if isinstance(tree, dict) and isinstance(tree.get(key), dict):
            tree = tree[key]
    if not isinstance(tree, dict):
        raise DeeptoolkitError(f"The PyTorch checkpoint {path} holds a {type(tree).__name__}, not a state dict")
    return {name: value.array() for name, value in tree.items() if isinstance(value, _Tensor)}


def _read_legacy(handle):
    storages = {}

    def load():  # every pickle of the stream through the restricted unpickler
        return _Unpickler(handle, storages).load()

    if load() != _LEGACY_MAGIC:
        raise ValueError("not a PyTorch checkpoint (no magic number)")
    load()  # protocol version
    load()  # system information (byte order, type sizes)
    tree = load()
    for key in load():
        storage = storages[str(key)]
        (count,) = struct.unpack("<q", handle.read(8))
        storage.data = np.frombuffer(handle.read(count * storage.dtype.itemsize), storage.dtype)
    return tree


def _read_zip(path):
    with zipfile.ZipFile(path) as archive:
        (pickled,) = [n for n in archive.namelist() if n.endswith("/data.pkl") or n == "data.pkl"]
        root = pickled[: -len("data.pkl")]
        storages = {}
        tree = _Unpickler(io.BytesIO(archive.read(pickled)), storages).load()
        for key, storage in storages.items():
            storage.data = np.frombuffer(archive.read(f"{root}data/{key}"), storage.dtype)
    return tree
