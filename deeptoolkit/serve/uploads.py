"""Uploaded files as the tasks read them: a temporary file per upload, its size bounded; errors
about them name the file the client sent, not the temporary one."""

import atexit
import contextlib
import functools
import os
import re
import shutil
import tempfile
import uuid

from fastapi import HTTPException
from starlette.datastructures import UploadFile

from deeptoolkit.errors import DeeptoolkitError

CHUNK = 1 << 20


@contextlib.contextmanager
def saved_uploads(limit_bytes, **uploads):
    """Write each UploadFile (a list of them per form field) to a temporary file keeping its
    extension, and yield {field: [path, ...]}; an upload over `limit_bytes` or an empty one is a
    413 / 400 naming the file and its field."""
    folder = _upload_folder()
    os.makedirs(folder, exist_ok=True)  # should something have cleaned the temporary folders
    paths, sent = {}, {}
    try:
        for field, files in uploads.items():
            paths[field] = []
            for index, upload in enumerate(files):
                if not isinstance(upload, UploadFile):
                    raise HTTPException(400, f"Expected an uploaded file in the form field {field!r}")
                name = upload.filename or field
                suffix = os.path.splitext(name)[1][:10]
                path = os.path.join(folder, f"{uuid.uuid4().hex}-{field}-{index}{suffix}")
                sent[path], size = name, 0
                with open(path, "wb") as out:
                    while chunk := upload.file.read(CHUNK):
                        size += len(chunk)
                        if size > limit_bytes:
                            raise HTTPException(413, f"The upload {name!r} ({field!r}) is larger than the limit of {limit_bytes / 1e6:g} MB")
                        out.write(chunk)
                if not size:
                    raise HTTPException(400, f"The upload {name!r} ({field!r}) is empty")
                paths[field].append(path)
        try:
            yield paths
        except DeeptoolkitError as error:
            message = str(error)
            for path in sorted(sent, key=len, reverse=True):
                message = message.replace(path, sent[path])
            raise DeeptoolkitError(message.replace(folder + os.sep, "")) from None
    finally:
        for path in sent:
            with contextlib.suppress(OSError):
                os.unlink(path)


@functools.lru_cache(maxsize=None)
def _upload_folder():
    """The server's folder of uploads being answered (one per process: a folder per request costs
    more than the request's model call), removed when the app stops (`remove_upload_folder`) or,
    failing that, when the interpreter exits normally."""
    folder = tempfile.mkdtemp(prefix="deeptoolkit-uploads-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def remove_upload_folder():
    """Remove the folder of uploads, if one was made (the command line ends with os._exit, which
    skips atexit)."""
    if _upload_folder.cache_info().currsize:
        shutil.rmtree(_upload_folder(), ignore_errors=True)
        _upload_folder.cache_clear()


def without_upload_paths(message):
    """`message` with the paths of uploads on this server replaced by "<upload>" (for errors that are
    not about the input, where the client's own file names are not known)."""
    return re.sub(re.escape(_upload_folder() + os.sep) + r"[^\s'\"]+", "<upload>", str(message))
