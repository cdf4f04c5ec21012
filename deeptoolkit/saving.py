"""The saved-model artefact: one zip file holding a task's config, learned state and Keras model.

Layout of the archive:
    deeptoolkit.json   format version, package version, task class, config, state, history
    model.keras        the Keras model in Keras's own format (loaded with safe_mode=True)

JSON and Keras's safe mode mean that loading a file never runs code from it (no pickle,
no lambda layers); before Keras sees the archive, its members are checked (names, links, sizes:
`data.safe_zip`) and the graph's config is walked for anything but known layers
(`model_archive`). The archive is written beside its destination and moved into place
with one rename, so a crash while saving leaves the previous file intact.

`write_saved_model` writes a network as a TensorFlow SavedModel instead (`Task.export`).
"""

import importlib
import json
import os
import pkgutil
import shutil
import tempfile
import time
import zipfile
import zlib

import keras

from deeptoolkit.data.safe_zip import check_zip
from deeptoolkit.errors import DeeptoolkitError, ModelFileError
from deeptoolkit.model_archive import MAX_MODEL_BYTES, check_model_archive
from deeptoolkit.version import FORMAT_VERSION, __version__

META_NAME = "deeptoolkit.json"
MODEL_NAME = "model.keras"
DEFAULT_FILENAME = "model.dtk"
SAVE_PREFIX = ".dtk-save-"
# A save folder untouched this long belongs to a save that was killed, not to one running now.
ABANDONED_AFTER_S = 3600
MAX_META_BYTES = 16 << 20


def resolve_model_path(path):
    """The model file that `path` names: the file itself, or `model.dtk` inside a run folder."""
    path = os.fspath(path)
    if os.path.isdir(path):
        path = os.path.join(path, DEFAULT_FILENAME)
    if not os.path.isfile(path):
        raise ModelFileError(f"No saved model found. Expected a file written by Task.save(). Received: path={path!r}")
    return path


def write_artifact(path, meta, model):
    """Write `meta` (JSON-able dict) and `model` to `path` atomically."""
    path = os.fspath(path)
    if os.path.isdir(path):  # a run folder: the model goes where resolve_model_path looks
        path = os.path.join(path, DEFAULT_FILENAME)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    meta = dict(meta, format_version=FORMAT_VERSION, deeptoolkit_version=__version__)
    _remove_abandoned_saves(folder)
    with tempfile.TemporaryDirectory(dir=folder, prefix=SAVE_PREFIX) as work:
        model_file = os.path.join(work, MODEL_NAME)
        model.save(model_file)
        partial = os.path.join(work, "artifact.partial")
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(META_NAME, json.dumps(meta, indent=1, sort_keys=True))
            archive.write(model_file, MODEL_NAME)
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, path)
    return path


def _remove_abandoned_saves(folder):
    """Delete the work folders of saves killed half-way (a crash skips their clean-up)."""
    now = time.time()
    for entry in os.scandir(folder):
        if entry.name.startswith(SAVE_PREFIX) and entry.is_dir(follow_symlinks=False):
            try:
                if now - entry.stat(follow_symlinks=False).st_mtime > ABANDONED_AFTER_S:
                    shutil.rmtree(entry.path, ignore_errors=True)
            except OSError:
                pass  # gone already, or not ours to remove


def read_meta(path):
    """The JSON metadata of a saved model, checked for a format this version can read."""
    path = resolve_model_path(path)
    if not zipfile.is_zipfile(path):
        raise ModelFileError(f"Not a deeptoolkit model (expected a zip archive from Task.save()). Received: path={path!r}")
    try:
        with zipfile.ZipFile(path) as archive:
            _check_members(archive, path)
            meta = json.loads(archive.read(META_NAME))
    except DeeptoolkitError:
        raise
    except (KeyError, ValueError, zipfile.BadZipFile, zlib.error, EOFError, OSError, RecursionError, NotImplementedError, RuntimeError):
        raise ModelFileError(f"Not a deeptoolkit model ({META_NAME} missing or unreadable). Received: path={path!r}") from None
    if not isinstance(meta, dict):
        raise ModelFileError(f"Not a deeptoolkit model ({META_NAME} holds a {type(meta).__name__}). Received: path={path!r}")
    version = meta.get("format_version")
    if not isinstance(version, int):
        raise ModelFileError(f"Not a deeptoolkit model (no format version). Received: path={path!r}")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"This model was saved by deeptoolkit {meta.get('deeptoolkit_version', '?')} in format {version}; "
            f"this deeptoolkit ({__version__}) reads formats up to {FORMAT_VERSION}. Upgrade deeptoolkit to load it. "
            f"Received: path={path!r}"
        )
    return meta


def _check_members(archive, path, expected=(META_NAME,)):
    """A saved model's members are of bounded sizes and safe names, and hold at least `expected`
    (its metadata first: a later format may hold other members, and its version is said then)."""
    check_zip(archive, f"the model file {path!r}", MAX_MODEL_BYTES + MAX_META_BYTES, ModelFileError)
    names = set(archive.namelist())
    if not set(expected) <= names:
        raise ModelFileError(f"Not a deeptoolkit model: it holds {sorted(names)[:5]}, expected {[META_NAME, MODEL_NAME]}. "
                             f"Received: path={path!r}")
    if archive.getinfo(META_NAME).file_size > MAX_META_BYTES:
        raise ModelFileError(f"Not a deeptoolkit model: its {META_NAME} is over {MAX_META_BYTES:,} bytes. Received: path={path!r}")


def register_layers():
    """Import every graph module, so that their registered layers are known to Keras (task modules
    import them only when they build a graph)."""
    import deeptoolkit.models

    for module in pkgutil.iter_modules(deeptoolkit.models.__path__):
        importlib.import_module(f"deeptoolkit.models.{module.name}")


def read_model(path, custom_objects=None):
    """The Keras model inside a saved artefact, loaded in safe mode and uncompiled."""
    register_layers()
    path = resolve_model_path(path)
    shown = f"path={path!r}"
    try:
        with zipfile.ZipFile(path) as archive:
            _check_members(archive, path, expected=(META_NAME, MODEL_NAME))
            data = archive.read(MODEL_NAME)
    except DeeptoolkitError:
        raise
    except (KeyError, ValueError, zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as error:
        raise ModelFileError(f"Not a deeptoolkit model ({MODEL_NAME} missing or unreadable: {error}). Received: {shown}") from None
    check_model_archive(data, shown)
    with tempfile.TemporaryDirectory(prefix="dtk-load-") as work:
        with open(os.path.join(work, MODEL_NAME), "wb") as handle:
            handle.write(data)
        try:
            return keras.saving.load_model(
                os.path.join(work, MODEL_NAME), custom_objects=custom_objects, compile=False, safe_mode=True
            )
        except Exception as error:  # any failure to rebuild the graph means a bad or foreign file
            if "safe_mode" in str(error) or "arbitrary code" in str(error):
                raise ModelFileError(
                    "Refused to load: the model holds Python code (a Lambda layer or a pickled function), and loading it "
                    "could run arbitrary code; deeptoolkit only loads models made of registered layers. "
                    f"Received: path={path!r}"
                ) from error
            reason = " ".join(str(error).split())[:300]  # one line: Keras's messages span several
            raise ModelFileError(f"The model inside this file could not be read ({reason}). Received: path={path!r}") from None


def write_saved_model(model, path):
    """Write `model` as a TensorFlow SavedModel in the new or empty folder `path`, with one
    endpoint `serve` that runs it for inference; returns `path`."""
    path = os.fspath(path)
    if os.path.isfile(path) or (os.path.isdir(path) and os.listdir(path)):
        raise DeeptoolkitError(f"Expected a new or empty folder to export to. Received: path={path!r}, which is not empty")
    import tensorflow as tf

    # An explicit inference call: model.export's default call left dropout and augmentation on.
    archive = keras.export.ExportArchive()
    archive.track(model)
    (spec,) = [tf.TensorSpec(tensor.shape, tensor.dtype, name=tensor.name) for tensor in model.inputs]
    archive.add_endpoint(name="serve", fn=lambda inputs: model(inputs, training=False), input_signature=[spec])
    archive.write_out(path, verbose=False)
    return path
