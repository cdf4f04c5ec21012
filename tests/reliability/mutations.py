"""Structure-aware mutations for fuzzing readers from valid seed files (hypothesis strategies).

- `mutated(seed)`: a binary file with a few of its header fields set to boundary values (0, 1,
  0xFFFF, 0xFFFFFFFF, ...), bytes flipped, cut short, or stretched by a repeated or inserted run;
- `mutated_json(value)`: a JSON tree with values swapped for other types and sizes, keys dropped,
  and names that a loader might resolve to code;
- `repacked(members)`: a zip of members, some mutated, with correct CRCs so that the mutation
  reaches the reader inside instead of stopping at the zip's checksum.
"""

import io
import json
import struct
import tarfile
import zipfile

from hypothesis import strategies as st

BOUNDARIES = (0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF)
# Values a JSON loader is handed in place of what it expects.
ODD_VALUES = (None, True, 0, -1, 2 ** 63, 1e308, float("nan"), "", "x" * 5000, [], {}, [None], {"": None},
              "os.system", "builtins.eval", "__import__", "subprocess.Popen", "keras.src.utils.get_file")


@st.composite
def mutated(draw, seed, head=64, max_mutations=4):
    """`seed` with 1 to `max_mutations` mutations, most of them in its first `head` bytes."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, max_mutations))):
        operation = draw(st.sampled_from(["field", "field", "field", "byte", "cut", "repeat", "insert", "delete"]))
        where = draw(st.integers(0, max(0, min(head, len(data)) - 1))) if data else 0
        if operation == "field" and len(data) >= 2:
            width = draw(st.sampled_from([2, 4, 4, 8]))
            where = min(where - where % 2, max(0, len(data) - width))
            value = draw(st.one_of(st.sampled_from(BOUNDARIES), st.integers(0, 2 ** 32 - 1)))
            packed = struct.pack("<Q", value % 2 ** 64)[:width]
            data[where:where + width] = packed[:len(data) - where]
        elif operation == "byte" and data:
            where = draw(st.integers(0, len(data) - 1))
            data[where] = draw(st.integers(0, 255))
        elif operation == "cut":
            data = data[:draw(st.integers(0, len(data)))]
        elif operation == "repeat" and data:
            length = draw(st.integers(1, 64))
            data[where:where] = data[where:where + length] * draw(st.integers(1, 50))
        elif operation == "insert":
            data[where:where] = draw(st.binary(min_size=1, max_size=32))
        elif operation == "delete" and data:
            del data[where:where + draw(st.integers(1, 32))]
    return bytes(data)


def _paths(value, prefix=()):
    """Every path into a JSON tree (tuples of keys and indexes), the root included."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, prefix + (index,))


@st.composite
def mutated_json(draw, tree, max_mutations=3):
    """A copy of the JSON `tree` with 1 to `max_mutations` of its values replaced or removed."""
    tree = json.loads(json.dumps(tree))
    for _ in range(draw(st.integers(1, max_mutations))):
        paths = list(_paths(tree))[1:]
        if not paths:
            return draw(st.sampled_from(ODD_VALUES))
        path = draw(st.sampled_from(paths))
        parent = tree
        for key in path[:-1]:
            parent = parent[key]
        operation = draw(st.sampled_from(["replace", "replace", "drop", "stretch"]))
        if operation == "drop":
            del parent[path[-1]]
        elif operation == "stretch" and isinstance(parent[path[-1]], (list, str)):
            parent[path[-1]] = parent[path[-1]] * draw(st.integers(0, 200))
        else:
            parent[path[-1]] = draw(st.sampled_from(ODD_VALUES))
    return tree


def zipped(members):
    """Zip bytes of {name: bytes}, in order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def tar_gz(members):
    """.tar.gz bytes of {name: bytes}, in order."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as bundle:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            bundle.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def unzipped(data):
    """{name: bytes} of zip bytes."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@st.composite
def repacked(draw, members, mutations):
    """Zip bytes of `members` ({name: bytes}) with some members changed by `mutations`
    ({name: function of (draw, bytes) -> bytes}), or the zip's own bytes mutated."""
    if draw(st.integers(0, 4)) == 0:
        return draw(mutated(zipped(members), head=200))
    members = dict(members)
    for name in draw(st.lists(st.sampled_from(sorted(mutations)), min_size=1, max_size=len(mutations), unique=True)):
        members[name] = mutations[name](draw, members[name])
    return zipped(members)
