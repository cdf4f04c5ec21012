"""A look at an HDF5 file's superblock before libhdf5 (through h5py) is handed the file: the
signature, a superblock version and field sizes libhdf5 writes, a base address of 0, and an
end-of-file address the bytes reach. libhdf5 is native code, and a crafted superblock is
where a reader is cheapest to fool; the check costs one read of 64 bytes. It does not look past
the superblock: object headers and B-trees deeper in the file are libhdf5's to parse."""

import os
import struct

SIGNATURE = b"\x89HDF\r\n\x1a\n"


def hdf5_problem(head, size):
    """What is wrong with an HDF5 file of `size` bytes that starts with `head` (its first 64
    bytes at least), or None."""
    if len(head) < 48 or not head.startswith(SIGNATURE):
        return "no HDF5 signature at its start"
    version = head[8]
    if version in (0, 1):
        offsets, lengths = head[13], head[14]
        fields = 24 + (4 if version == 1 else 0)
    elif version in (2, 3):
        offsets, lengths = head[9], head[10]
        fields = 12
    else:
        return f"HDF5 superblock version {version} (0 to 3 are known)"
    if offsets != 8 or lengths != 8:
        return f"HDF5 addresses of {offsets} and lengths of {lengths} bytes (8 and 8 are what h5py writes)"
    if len(head) < fields + 24:
        return "a truncated HDF5 superblock"
    base, _, end = struct.unpack_from("<QQQ", head, fields)  # base, free space or extension, end of file
    if base != 0:
        return f"an HDF5 base address of {base} (0 expected)"
    if not 0 < end <= size:
        return f"an HDF5 end-of-file address of {end} in a file of {size} bytes"
    return None


def check_hdf5_file(path):
    """`hdf5_problem` of the file at `path`."""
    with open(path, "rb") as handle:
        return hdf5_problem(handle.read(64), os.path.getsize(path))


def load_weights_file(model, path, what="the model", shown=None):
    """Load the HDF5 weights file at `path` (the layout of keras.applications' files) into `model`,
    once its superblock looks sound; any failure is a DeeptoolkitError naming the file."""
    from deeptoolkit.errors import DeeptoolkitError

    shown = shown or f"path={os.fspath(path)!r}"
    problem = check_hdf5_file(path)
    if problem:
        raise DeeptoolkitError(f"Not a readable weights file: {problem}. Expected an HDF5 file of Keras weights. Received: {shown}")
    try:
        model.load_weights(path)
    except Exception as error:  # noqa: BLE001 - h5py and Keras raise many kinds for a file that does not fit
        raise DeeptoolkitError(f"The weights file does not fit {what} ({' '.join(str(error).split())[:200]}). "
                               f"Received: {shown}") from None
