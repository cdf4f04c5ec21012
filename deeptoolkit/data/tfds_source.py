"""Open a TensorFlow Datasets catalogue data set that is already on disk, never downloading."""

from deeptoolkit.errors import DeeptoolkitError


def tfds_split(name, split, as_supervised=False):
    """(builder, dataset of `split`) for tfds:`name`, or a clear error naming where tfds looked.

    A missing split other than "train" gives (builder, None): many data sets have no test split.
    """
    import tensorflow_datasets as tfds

    try:
        builder = tfds.builder(name)
    except Exception as error:  # tfds raises its own error types for unknown names
        raise DeeptoolkitError(f"Unknown TensorFlow Datasets name. Received: data='tfds:{name}' ({error})") from error
    try:
        return builder, builder.as_dataset(split=split, as_supervised=as_supervised, shuffle_files=False)
    except AssertionError as error:  # tfds's way of saying the data was never prepared here
        raise DeeptoolkitError(
            f"tfds:{name} is not on this machine (looked in {builder.data_dir}) and deeptoolkit does not download at run "
            f"time. Prepare it where there is network access (`tfds build {name}`) and copy the folder here, "
            f"or set TFDS_DATA_DIR. Received: data='tfds:{name}'"
        ) from error
    except (KeyError, ValueError):
        if split == "train":
            raise DeeptoolkitError(f"tfds:{name} has no 'train' split. Received: data='tfds:{name}'") from None
        return builder, None
