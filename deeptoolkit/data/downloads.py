"""Downloads into the data cache: urllib with a SHA-256 check, a mirror, safe
extraction, and nothing left behind by a download that failed.

    $DEEPTOOLKIT_DATA          the cache (default ~/.keras/datasets/deeptoolkit)
    $DEEPTOOLKIT_DATA_MIRROR   replaces the scheme and host of every download URL, keeping the path
"""

import hashlib
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib

from deeptoolkit.data.safe_zip import MAX_RATIO, SMALL, check_zip, unsafe_name
from deeptoolkit.errors import DeeptoolkitError

# The most an archive of the catalogue may unpack to (the largest, Flickr8k's photos, is about 1.1 GB).
MAX_EXTRACTED = 16 << 30


def cache_dir():
    return os.path.abspath(os.path.expanduser(os.environ.get("DEEPTOOLKIT_DATA") or os.path.join("~", ".keras", "datasets", "deeptoolkit")))


def mirrored(url):
    """`url` with the scheme and host of $DEEPTOOLKIT_DATA_MIRROR, if set (its path kept)."""
    mirror = os.environ.get("DEEPTOOLKIT_DATA_MIRROR")
    if not mirror:
        return url
    base, parts = urllib.parse.urlsplit(mirror), urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((base.scheme, base.netloc, base.path.rstrip("/") + parts.path, parts.query, ""))


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(url, filename, folder, expected_sha256=None, progress=None):
    """The path of `filename` in `folder`, downloaded from `url` (mirrored) unless already there
    with the expected hash. A failed, interrupted or mismatching download leaves nothing.

    Plain urllib rather than keras.utils.get_file: fetching a file should not wait for
    TensorFlow to load. `progress(done, total)` is called as bytes arrive (total None if unknown);
    by default a line on the terminal, and nothing where the output is not one."""
    os.makedirs(folder, exist_ok=True)
    target = os.path.join(folder, filename)
    if os.path.isfile(target) and (expected_sha256 is None or sha256(target) == expected_sha256):
        return target
    origin = mirrored(url)
    partial = target + ".part"
    try:
        with urllib.request.urlopen(origin, timeout=60) as response, open(partial, "wb") as out:
            _copy(response, out, progress or _terminal_progress(origin))
    except Exception as error:  # noqa: BLE001 - no network, a refused or interrupted transfer
        _remove(partial)
        raise DeeptoolkitError(f"Could not download {origin} ({_reason(error)}). Without a network, download it elsewhere and "
                               f"place it at {target}, or set DEEPTOOLKIT_DATA_MIRROR to a mirror") from None
    if expected_sha256 is not None and sha256(partial) != expected_sha256:
        _remove(partial)
        raise DeeptoolkitError(f"The download of {origin} does not have the expected SHA-256 {expected_sha256}: it was deleted. "
                               f"Try again, or place a good copy at {target}")
    os.replace(partial, target)
    return target


def _copy(response, out, progress):
    length = response.headers.get("Content-Length")
    total = int(length) if length and length.isdigit() else None
    done = 0
    for block in iter(lambda: response.read(1 << 16), b""):
        out.write(block)
        done += len(block)
        progress(done, total)
    if total is not None and done < total:
        raise OSError(f"the transfer stopped after {done} of {total} bytes")
    progress(None, None)


def _terminal_progress(origin):
    """Report bytes received on one rewritten terminal line; silent where stderr is not a terminal."""
    if not sys.stderr.isatty():
        return lambda done, total: None

    def report(done, total):
        if done is None:
            sys.stderr.write("\n")
        else:
            size = f"{done / 1e6:.1f} of {total / 1e6:.1f} MB" if total else f"{done / 1e6:.1f} MB"
            sys.stderr.write(f"\rdownloading {origin}: {size}")
        sys.stderr.flush()

    return report


def _reason(error):
    if isinstance(error, urllib.error.URLError) and not isinstance(error, urllib.error.HTTPError):
        error = error.reason  # "Name or service not known", not "<urlopen error [Errno -2] ...>"
    return " ".join(str(error).split())[:200] or type(error).__name__


def _remove(path):
    if os.path.isfile(path):
        os.remove(path)


def extract(archive, target):
    """Extract a .tar(.gz) or .zip `archive` into the folder `target`, all or nothing: members with
    absolute paths, '..', links leading outside, devices, and sizes past MAX_EXTRACTED or far past
    the archive's own (a bomb) are refused before anything is written, and the folder appears only
    once every member is out."""
    staging = tempfile.mkdtemp(prefix=".extracting-", dir=os.path.dirname(target))
    shown = f"the archive {archive}"
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as bundle:
                check_zip(bundle, shown, MAX_EXTRACTED)
                bundle.extractall(staging)
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as bundle:
                members = bundle.getmembers()
                _check_tar(members, archive, shown)
                bundle.extractall(staging, members=members, filter="data")
        else:
            raise DeeptoolkitError(f"Expected a .zip or .tar archive. Received: {archive}")
        os.replace(staging, target)
    except DeeptoolkitError:
        raise
    except (zipfile.BadZipFile, zlib.error, tarfile.TarError, EOFError, OSError, ValueError, NotImplementedError, RuntimeError,
            IndexError, KeyError) as error:  # zipfile and tarfile on a damaged archive
        raise DeeptoolkitError(f"Could not extract {shown} ({' '.join(str(error).split())[:200] or type(error).__name__}). "
                               "Delete it and download it again") from None
    finally:
        if os.path.isdir(staging):
            shutil.rmtree(staging)
    return target


def _check_tar(members, archive, shown):
    total = 0
    for member in members:
        if unsafe_name(member.name):
            raise DeeptoolkitError(f"Refusing {shown}: the member {member.name!r} would land outside the target folder")
        if member.issym() or member.islnk():
            _check_link(member, archive)
        elif not (member.isfile() or member.isdir()):
            raise DeeptoolkitError(f"Refusing {shown}: {member.name!r} is not a file or a folder")
        total += member.size
    if total > MAX_EXTRACTED or total > SMALL and total > MAX_RATIO * max(os.path.getsize(archive), 1):
        raise DeeptoolkitError(f"Refusing {shown}: its members would unpack to {total:,} bytes from "
                               f"{os.path.getsize(archive):,} (a bomb, or more than the {MAX_EXTRACTED:,} allowed)")


def _check_link(member, archive):
    base = os.path.dirname(member.name) if member.issym() else ""
    resolved = os.path.normpath(os.path.join(base, member.linkname))
    if os.path.isabs(member.linkname) or resolved.startswith(".."):
        raise DeeptoolkitError(f"Refusing to extract {archive}: the link {member.name!r} points outside the target folder")
