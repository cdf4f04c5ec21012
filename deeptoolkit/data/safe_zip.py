"""Zip archives from outside, checked before anything is extracted or read: member names that
would land outside the target (absolute, drive letters, '..'), links and devices, and members
whose declared size, or all members together, exceed a bound or the archive's own size by far
(a zip bomb). Used for downloads, saved models (.dtk and the .keras inside) and checkpoints."""

import stat

from deeptoolkit.errors import DeeptoolkitError

# A member may unpack to at most this many times its compressed size; deflate reaches about 1000x
# only on degenerate data, and real models, text and images stay far below 100x.
MAX_RATIO = 200
# Below this many bytes a member's ratio is not checked (a small file of zeros compresses 100x).
SMALL = 1 << 20


def unsafe_name(name):
    """Whether a member name would land outside the folder it is extracted into."""
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":") or ".." in parts or "\x00" in name


def check_zip(archive, shown, max_bytes, error=DeeptoolkitError):
    """Raise `error` (a DeeptoolkitError) naming `shown` unless every member of the open ZipFile
    `archive` is a plain file or folder with a safe name, and the members unpack to at most `max_bytes`."""
    total = 0
    for member in archive.infolist():
        if unsafe_name(member.filename):
            raise error(f"Refusing {shown}: the member {member.filename!r} would land outside the target folder")
        kind = stat.S_IFMT(member.external_attr >> 16)  # 0 where the archiver recorded no Unix file type
        if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
            raise error(f"Refusing {shown}: the member {member.filename!r} is a link or a device, not a file")
        if member.file_size > SMALL and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise error(f"Refusing {shown}: the member {member.filename!r} would unpack to {member.file_size:,} bytes "
                                   f"from {member.compress_size:,} (over {MAX_RATIO}x: a zip bomb?)")
        total += member.file_size
    if total > max_bytes:
        raise error(f"Refusing {shown}: its members would unpack to {total:,} bytes, more than the "
                               f"{max_bytes:,} allowed")
