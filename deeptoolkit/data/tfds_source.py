"""Open a TensorFlow Datasets catalogue data set: on disk, or downloaded and prepared when allowed."""

import contextlib
import contextvars

from deeptoolkit.errors import DeeptoolkitError

_DOWNLOAD = contextvars.ContextVar("tfds_download", default=False)


@contextlib.contextmanager
def downloads_allowed(allowed):
    """Within this block, tfds:NAME downloads and prepares a data set not yet on this machine."""
    token = _DOWNLOAD.set(bool(allowed))
    try:
        yield
    finally:
        _DOWNLOAD.reset(token)


def tfds_split(name, split, as_supervised=False):
    """(builder, dataset of `split`) for tfds:`name`, or a clear error naming where tfds looked.

    A missing split other than "train" gives (builder, None): many data sets have no test split.
    """
    import tensorflow_datasets as tfds

    try:
        builder = tfds.builder(name)
    except Exception as error:  # tfds raises its own error types for unknown names
        raise DeeptoolkitError(f"Unknown TensorFlow Datasets name. Received: data='tfds:{name}' ({error})") from error
    if _DOWNLOAD.get():
        try:
            builder.download_and_prepare()
        except Exception as error:  # noqa: BLE001 - no network, a source gone, a failed preparation
            raise DeeptoolkitError(f"Could not download and prepare tfds:{name} into {builder.data_dir} "
                                   f"({' '.join(str(error).split())[:200]}). Prepare it where there is network access "
                                   f"(`tfds build {name}`) and copy the folder here, or set TFDS_DATA_DIR") from None
    try:
        return builder, builder.as_dataset(split=split, as_supervised=as_supervised, shuffle_files=False)
    except AssertionError as error:  # tfds's way of saying the data was never prepared here
        raise DeeptoolkitError(
            f"tfds:{name} is not on this machine (looked in {builder.data_dir}). Download it with fit(..., download=True) "
            f"or `train --download`, or prepare it where there is network access (`tfds build {name}`) and copy the "
            f"folder here, or set TFDS_DATA_DIR. Received: data='tfds:{name}'"
        ) from error
    except (KeyError, ValueError):
        if split == "train":
            raise DeeptoolkitError(f"tfds:{name} has no 'train' split. Received: data='tfds:{name}'") from None
        return builder, None
