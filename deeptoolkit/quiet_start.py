"""TensorFlow's start-up without its log lines: users read the toolkit's words, not TensorFlow's.

TensorFlow's C++ core writes to file descriptor 2 while it loads, before its log level applies
(absl's "All log messages before absl::InitializeLog()" block, oneDNN and CUDA notices), and a
machine without a GPU gets an error-level line for the failed cuInit. So `install()` raises the
level to errors-only and runs the first `import tensorflow` (whoever asks for it: keras, tf.data,
tensorflow-datasets) with descriptor 2 pointed at a scratch file. A GPU that is present but that
TensorFlow cannot use is then said once, in the toolkit's own words.

DEEPTOOLKIT_TF_LOGS=1 leaves TensorFlow's logging as TensorFlow sets it, for debugging.
"""

import contextlib
import glob
import importlib.abc
import importlib.machinery
import logging
import os
import sys
import tempfile

VERBOSE_VARIABLE = "DEEPTOOLKIT_TF_LOGS"
GPU_DEVICE_FILES = ("/proc/driver/nvidia/version", "/dev/nvidia[0-9]*")

log = logging.getLogger("deeptoolkit")


def install():
    """Make the first `import tensorflow` in this process quiet (a no-op once it is imported)."""
    if os.environ.get(VERBOSE_VARIABLE, "") not in ("", "0") or "tensorflow" in sys.modules:
        return
    # Read by TensorFlow's core as it loads; a user's lower setting would bring the noise back.
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    if not any(isinstance(finder, _QuietTensorFlowFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _QuietTensorFlowFinder())


@contextlib.contextmanager
def descriptor_2_captured():
    """Point file descriptor 2 (where C++ libraries log) at a scratch file; yields a function
    returning what was written there."""
    sys.stderr.flush()
    scratch = tempfile.TemporaryFile(mode="w+b")
    try:
        saved = os.dup(2)
    except OSError:  # no descriptor 2 to redirect: nothing can be printed either
        scratch.close()
        yield lambda: ""
        return
    os.dup2(scratch.fileno(), 2)

    def written():
        scratch.seek(0)
        return scratch.read().decode("utf-8", "replace")

    try:
        yield written
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        scratch.close()


def gpu_device_files(patterns=GPU_DEVICE_FILES):
    """The files that show an NVIDIA GPU and its driver on this machine (empty without one)."""
    return [path for pattern in patterns for path in sorted(glob.glob(pattern))]


def unusable_gpu_message(device_files, tensorflow_gpus):
    """The one line to say when the machine has a GPU that TensorFlow does not see, else None."""
    if not device_files or tensorflow_gpus:
        return None
    return (f"this machine has an NVIDIA GPU ({device_files[0]}) that TensorFlow cannot use, so deeptoolkit runs on "
            f"the CPU: install TensorFlow's CUDA build for its driver (pip install 'tensorflow[and-cuda]'); "
            f"{VERBOSE_VARIABLE}=1 shows TensorFlow's own account")


class _QuietTensorFlowFinder(importlib.abc.MetaPathFinder):
    """Finds `tensorflow` as Python would, and hands it a loader that loads it quietly."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)  # once is enough: later imports find the loaded module
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


class _QuietLoader(importlib.abc.Loader):
    def __init__(self, loader):
        self.loader = loader

    def __getattr__(self, name):  # resource readers and the like: the real loader's
        return getattr(self.loader, name)

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        written = ""
        try:
            with descriptor_2_captured() as captured:
                try:
                    self.loader.exec_module(module)
                finally:
                    written = captured()
        except BaseException:
            sys.stderr.write(written)  # TensorFlow could not load: its own account is the useful one
            raise
        for name in ("tensorflow", "absl"):  # their Python-side warnings, e.g. retracing notices
            logging.getLogger(name).setLevel(logging.ERROR)
        devices = gpu_device_files()
        if devices:
            with descriptor_2_captured():
                gpus = module.config.list_physical_devices("GPU")
            message = unusable_gpu_message(devices, gpus)
            if message:
                log.warning(message)
