"""The Keras archive inside a saved model (model.keras), checked before Keras reads it.

Keras's safe mode refuses Lambda layers, but releases before 3.14 could be led to import and call
other Python from a crafted config.json (CVE-2025-1550: any module named in the config;
CVE-2025-8747 and CVE-2025-9906: keras.utils.get_file and keras.config's
enable_unsafe_deserialization reached through the config). So the config is walked here first,
whatever the Keras release: every object it names must come from the Keras, keras-hub or
deeptoolkit modules that build layers, losses, optimizers and their parts, and none may be a
function, a Lambda, a SavedModel layer or a name that switches safe mode off. The weights file
is an HDF5 file whose superblock is looked at before libhdf5 opens it.
"""

import io
import json
import zipfile
import zlib

from deeptoolkit.data.hdf5_check import hdf5_problem
from deeptoolkit.data.safe_zip import check_zip
from deeptoolkit.errors import ModelFileError

# The most model.keras may unpack to: weights of a few hundred million floats.
MAX_MODEL_BYTES = 4 << 30
MAX_CONFIG_BYTES = 64 << 20
MEMBERS = {"config.json", "metadata.json", "model.weights.h5"}
# Modules a saved graph's objects may come from ("keras" itself for DTypePolicy, Sequential, ...).
PARTS = ("layers", "initializers", "regularizers", "constraints", "losses", "metrics", "optimizers", "activations",
         "dtype_policies", "models", "ops", "applications")
# A module must be one of these or inside one (keras.applications: ConvNeXt's and Inception-ResNet's own layers).
ALLOWED_MODULES = ("keras", *(f"keras.{part}" for part in PARTS), *(f"keras.src.{part}" for part in PARTS),
                   "keras_hub.src.models", "keras_hub.src.layers", "keras_hub.layers", "keras_hub.models", "deeptoolkit")
# Plain functions may be named only from these (activations and losses saved by name; deeptoolkit's
# registered losses).
FUNCTION_MODULES = ("keras.activations", "keras.losses", "keras.metrics", "keras.src.activations", "keras.src.losses",
                    "keras.src.metrics", "deeptoolkit")
REFUSED_CLASSES = {"Lambda", "__lambda__", "TFSMLayer", "enable_unsafe_deserialization", "get_file"}
# keras-hub objects that read files by path (vocabularies, protos) or wrap whole pipelines.
REFUSED_SUFFIXES = ("Tokenizer", "Preprocessor", "Task")


def _inside(module, prefixes):
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def check_model_archive(data, shown):
    """Raise a ModelFileError naming `shown` unless the bytes `data` of a model.keras archive hold
    only a graph of known layers and an HDF5 weights file that looks sound."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise ModelFileError(f"The model inside this file is not a Keras archive ({error}). Received: {shown}") from None
    try:
        with archive:
            _check_members(archive, shown)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as error:
        raise ModelFileError(f"The model inside this file is a damaged Keras archive ({' '.join(str(error).split())[:120]}). "
                             f"Received: {shown}") from None


def _check_members(archive, shown):
    check_zip(archive, shown, MAX_MODEL_BYTES, ModelFileError)
    names = set(archive.namelist())
    strangers = sorted(name for name in names - MEMBERS if not name.startswith("assets/"))
    if strangers or "config.json" not in names:
        raise ModelFileError(f"The model inside this file holds {strangers or 'no config.json'}; expected "
                             f"{sorted(MEMBERS)}. Received: {shown}")
    if archive.getinfo("config.json").file_size > MAX_CONFIG_BYTES:
        raise ModelFileError(f"The model's config.json is over {MAX_CONFIG_BYTES:,} bytes. Received: {shown}")
    try:
        config = json.loads(archive.read("config.json"))
    except (ValueError, zipfile.BadZipFile, zlib.error, EOFError, OSError, RecursionError) as error:
        raise ModelFileError(f"The model's config.json is not readable JSON ({' '.join(str(error).split())[:120]}). "
                             f"Received: {shown}") from None
    refused = _code_in(config)
    if refused:
        raise ModelFileError("Refused to load: the model's config names Python code to run "
                             f"({refused}); deeptoolkit only loads models made of registered layers. Received: {shown}")
    if "model.weights.h5" in names:
        info = archive.getinfo("model.weights.h5")
        with archive.open(info) as handle:
            problem = hdf5_problem(handle.read(64), info.file_size)
        if problem:
            raise ModelFileError(f"The model's weights file is not a sound HDF5 file ({problem}). Received: {shown}")


def _code_in(value, depth=0):
    """A description of the first object in a Keras config that is not a known graph part, or None."""
    if depth > 200:
        return "a config nested over 200 levels"
    if isinstance(value, dict):
        name, module = value.get("class_name"), value.get("module")
        if isinstance(name, str) and (name in REFUSED_CLASSES or name.endswith(REFUSED_SUFFIXES)):
            return f"class_name={name!r}"
        # Keras hands back a plain function for any name that resolves to one, so a lowercase name
        # (a function, not a class) counts as one too.
        is_function = name == "function" or (isinstance(name, str) and name[:1].islower())
        if is_function and not (isinstance(module, str) and _inside(module, FUNCTION_MODULES)):
            return f"the function {str(value.get('config') if name == 'function' else name)[:60]!r} of module={str(module)[:60]!r}"
        if "module" in value and module is not None:
            if not isinstance(module, str) or not _inside(module, ALLOWED_MODULES):
                return f"module={str(module)[:80]!r}"
        for key in ("registered_name", "function"):
            if isinstance(value.get(key), str) and value[key] in REFUSED_CLASSES:
                return f"{key}={value[key]!r}"
        # The compile config is never read: models are loaded uncompiled (compile=False).
        items = [item for key, item in value.items() if not (depth == 0 and key == "compile_config")]
        return next((found for found in (_code_in(item, depth + 1) for item in items) if found), None)
    if isinstance(value, list):
        return next((found for found in (_code_in(item, depth + 1) for item in value) if found), None)
    return None
