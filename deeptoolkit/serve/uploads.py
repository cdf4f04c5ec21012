"""Uploaded files as the tasks read them: a temporary file per upload, its size bounded; errors
about them name the file the client sent, not the temporary one."""

import contextlib
import os
import shutil
import tempfile

from fastapi import HTTPException
from starlette.datastructures import UploadFile

from deeptoolkit.errors import DeeptoolkitError

CHUNK = 1 << 20


@contextlib.contextmanager
def saved_uploads(limit_bytes, **uploads):
    """Write each UploadFile to a temporary file (keeping its extension) and yield {field: path};
    an upload over `limit_bytes` or an empty one is a 413 / 400 naming the field."""
    folder = tempfile.mkdtemp(prefix="deeptoolkit-upload-")
    paths = {}
    try:
        for field, upload in uploads.items():
            if not isinstance(upload, UploadFile):
                raise HTTPException(400, f"Expected an uploaded file in the form field {field!r}")
            suffix = os.path.splitext(upload.filename or "")[1][:10]
            path = os.path.join(folder, f"{field}{suffix}")
            size = 0
            with open(path, "wb") as out:
                while chunk := upload.file.read(CHUNK):
                    size += len(chunk)
                    if size > limit_bytes:
                        raise HTTPException(413, f"The upload {field!r} is larger than the limit of {limit_bytes / 1e6:g} MB")
                    out.write(chunk)
            if not size:
                raise HTTPException(400, f"The upload {field!r} is empty")
            paths[field] = path
        try:
            yield paths
        except DeeptoolkitError as error:
            message = str(error)
            for field, path in paths.items():
                message = message.replace(path, uploads[field].filename or field)
            raise DeeptoolkitError(message.replace(folder + os.sep, "")) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
