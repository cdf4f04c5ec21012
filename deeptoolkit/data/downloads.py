"""Downloads into the data cache: keras.utils.get_file with a SHA-256 check, a mirror, safe
extraction, and nothing left behind by a download that failed.

    $DEEPTOOLKIT_DATA          the cache (default ~/.keras/datasets/deeptoolkit)
    $DEEPTOOLKIT_DATA_MIRROR   replaces the scheme and host of every download URL, keeping the path
"""

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.parse
import zipfile

from deeptoolkit.errors import DeeptoolkitError


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


def download(url, filename, folder, expected_sha256=None):
    """The path of `filename` in `folder`, downloaded from `url` (mirrored) unless already there
    with the expected hash. A failed, interrupted or mismatching download leaves nothing."""
    import keras

    os.makedirs(folder, exist_ok=True)
    target = os.path.join(folder, filename)
    origin = mirrored(url)
    try:
        path = keras.utils.get_file(filename, origin, file_hash=expected_sha256, hash_algorithm="sha256", cache_dir=folder,
                                    cache_subdir="")
    except ValueError as error:  # the hash did not match: keras keeps the file, we do not
        _remove(target)
        raise DeeptoolkitError(f"The download of {origin} does not have the expected SHA-256 {expected_sha256}: it was deleted. "
                               f"Try again, or place a good copy at {target}") from error
    except Exception as error:  # noqa: BLE001 - no network, a refused or interrupted transfer
        _remove(target)
        raise DeeptoolkitError(f"Could not download {origin} ({_reason(error)}). Without a network, download it elsewhere and "
                               f"place it at {target}, or set DEEPTOOLKIT_DATA_MIRROR to a mirror") from None
    return path


def _reason(error):
    return " ".join(str(error).split())[:200] or type(error).__name__


def _remove(path):
    if os.path.isfile(path):
        os.remove(path)


def extract(archive, target):
    """Extract a .tar(.gz) or .zip `archive` into the folder `target`, all or nothing: members with
    absolute paths, '..', or links leading outside are refused, and the folder appears only once
    every member is out."""
    staging = tempfile.mkdtemp(prefix=".extracting-", dir=os.path.dirname(target))
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as bundle:
                for name in bundle.namelist():
                    _check_member(name, archive)
                bundle.extractall(staging)
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as bundle:
                members = bundle.getmembers()
                for member in members:
                    _check_member(member.name, archive)
                    if member.issym() or member.islnk():
                        _check_link(member, archive)
                    elif not (member.isfile() or member.isdir()):
                        raise DeeptoolkitError(f"Refusing to extract {archive}: {member.name!r} is not a file or a folder")
                bundle.extractall(staging, members=members, filter="data")
        else:
            raise DeeptoolkitError(f"Expected a .zip or .tar archive. Received: {archive}")
        os.replace(staging, target)
    finally:
        if os.path.isdir(staging):
            shutil.rmtree(staging)
    return target


def _check_member(name, archive):
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":") or ".." in parts:
        raise DeeptoolkitError(f"Refusing to extract {archive}: the member {name!r} would land outside the target folder")


def _check_link(member, archive):
    base = os.path.dirname(member.name) if member.issym() else ""
    resolved = os.path.normpath(os.path.join(base, member.linkname))
    if os.path.isabs(member.linkname) or resolved.startswith(".."):
        raise DeeptoolkitError(f"Refusing to extract {archive}: the link {member.name!r} points outside the target folder")
