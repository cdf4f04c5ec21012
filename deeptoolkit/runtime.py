"""Precision policy, distribution strategy and seeds: the only place that decides them.

Tasks ask this module three things: which dtype policy to build under, which
`tf.distribute` strategy to build and train in, and how to make a run repeatable.
"""

import contextlib
import functools
import os
import random

import keras
import numpy as np
import tensorflow as tf

from deeptoolkit import multiworker
from deeptoolkit.checks import check_choice
from deeptoolkit.errors import DeeptoolkitError
from deeptoolkit.runtime_settings import DISTRIBUTIONS, JIT_COMPILE, PRECISIONS


def gpu_compute_capabilities():
    """The (major, minor) compute capability of each visible GPU."""
    capabilities = []
    for gpu in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(gpu)
        capabilities.append(tuple(details.get("compute_capability", (0, 0))))
    return capabilities


def check_settings(precision="auto", distribute=None, jit_compile="auto", seed=None):
    """Raise DeeptoolkitError for a runtime setting that cannot work, without touching a device."""
    check_choice("precision", precision, PRECISIONS)
    check_choice("distribute", distribute, DISTRIBUTIONS)
    check_choice("jit_compile", jit_compile, JIT_COMPILE)
    if seed is not None and (not isinstance(seed, (int, np.integer)) or isinstance(seed, bool)):
        raise DeeptoolkitError(f"seed must be an integer or None. Received: seed={seed!r}")


def check_backend(task_name, any_backend):
    """Refuse, with one clear error, a task that needs Keras's TensorFlow backend under another.

    Every task reads its data with tf.data, which feeds any backend; the graphs in
    `deeptoolkit.models` import only keras. What ties a task to TensorFlow is inference wrapped in
    tf.function (the decoding loops, MemNN's attention readout)."""
    backend = keras.backend.backend()
    if backend != "tensorflow" and not any_backend:
        raise DeeptoolkitError(f"{task_name} runs on Keras's TensorFlow backend only (its inference is a tf.function); "
                               f"KERAS_BACKEND is {backend!r}. Set KERAS_BACKEND=tensorflow, or train its graph from "
                               "deeptoolkit.models directly (benchmarks/gpu.py does so on any backend)")


def resolve_precision(precision="auto", bfloat16_on_cpu=False):
    """The dtype policy name that `precision` means on this machine.

    `auto` picks float16 mixed precision only where it pays: tensor cores arrive with
    compute capability 7.0 (Volta). On a CPU it is float32, unless the task is faster under
    bfloat16 (`bfloat16_on_cpu`: the recurrent ones) and the CPU computes in bfloat16 natively
    (AVX512_BF16 or AMX); convnets are slower there (benchmarks/README.md, "Precision").
    """
    check_choice("precision", precision, PRECISIONS)
    if precision != "auto":
        return precision
    capabilities = gpu_compute_capabilities()
    if capabilities and min(capabilities) >= (7, 0):
        return "mixed_float16"
    if bfloat16_on_cpu and not capabilities and cpu_has_native_bfloat16():
        return "mixed_bfloat16"
    return "float32"


@functools.lru_cache(maxsize=1)
def cpu_has_native_bfloat16():
    """True where the CPU flags (Linux /proc/cpuinfo) show bfloat16 arithmetic."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            flags = handle.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


@contextlib.contextmanager
def precision_scope(policy):
    """Build layers under the dtype `policy` (a name resolve_precision returned), then restore
    the global one.

    Keras layers capture the policy when they are created, so the global setting only
    needs to hold while the graph is built; restoring it keeps tasks independent.
    """
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(_resolved(policy))
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def _resolved(policy):
    """`policy` itself: precision is resolved once, by resolve_precision, where a run starts."""
    check_choice("policy", policy, PRECISIONS[1:])
    return policy


def wrap_optimizer(optimizer, policy):
    """Turn on dynamic loss scaling where float16 gradients could underflow (`policy`: a name
    resolve_precision returned)."""
    if _resolved(policy) == "mixed_float16" and not isinstance(
        optimizer, keras.optimizers.LossScaleOptimizer
    ):
        return keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def resolve_jit_compile(jit_compile="auto", xla_on_cpu=False, distribute=None):
    """What to pass to `Model.compile(jit_compile=...)` for `jit_compile` on this machine.

    On the CPU, XLA makes a convnet's training step slower than TensorFlow's own kernels, so
    `auto` means off there, unless the task is faster with it (`xla_on_cpu`: the memory
    network's many small ops fuse; benchmarks/README.md, "Precision"); on a GPU, `auto` leaves
    the choice to Keras (on wherever every layer supports it). Under a strategy on CPUs it is
    off: XLA on the CPU cannot compile the gradient exchange between replicas (tf2xla fails
    on the collective all-reduce of `multiworker`).
    """
    check_choice("jit_compile", jit_compile, JIT_COMPILE)
    if jit_compile == "auto" and not tf.config.list_physical_devices("GPU"):
        return bool(xla_on_cpu) and distribute is None
    return jit_compile


def get_strategy(distribute=None):
    """The `tf.distribute` strategy for `distribute`; its scope is where models are built.

    `mirrored` replicates over every local GPU, or over every logical CPU device when
    there is no GPU (which is how the tests exercise it on two logical CPUs).
    `multiworker` trains on the machines TF_CONFIG names (see `deeptoolkit.multiworker`);
    it must be the first thing TensorFlow does in the process.
    """
    check_choice("distribute", distribute, DISTRIBUTIONS)
    if distribute is None:
        return tf.distribute.get_strategy()
    if distribute == "multiworker":
        return multiworker.strategy()
    devices = [d.name for d in tf.config.list_logical_devices("GPU")]
    if not devices:
        devices = [d.name for d in tf.config.list_logical_devices("CPU")]
    cross_device_ops = None if tf.config.list_logical_devices("GPU") else tf.distribute.ReductionToOneDevice()
    return tf.distribute.MirroredStrategy(devices=devices, cross_device_ops=cross_device_ops)


def prepare_model(model):
    """Whatever the strategy in use needs done to a compiled model before training with it."""
    return multiworker.prepare_model(model)


def shard_by_example(dataset):
    """Tell tf.distribute to shard `dataset` between workers by element.

    Its default (AUTO) looks for input files to split and, finding a pipeline built from
    tensors, falls back to the same element sharding with a warning. Each worker keeps
    every N-th element of the same shuffled order, so the workers must shuffle alike: the
    same seed (see `Task.fit`).
    """
    if not multiworker.active() or dataset is None:
        return dataset
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)


def is_chief():
    """True where this process writes files: always, except for non-chief workers of a multi-worker run."""
    return multiworker.is_chief()


def set_seed(seed):
    """Seed Python, NumPy, TensorFlow and Keras so that a CPU run repeats exactly."""
    if seed is None:
        return
    check_settings(seed=seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    keras.utils.set_random_seed(int(seed))


def describe():
    """What this machine offers the toolkit: versions, devices and what `auto` resolves to."""
    from importlib import metadata

    def version(package):
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "not installed"

    gpus = tf.config.list_physical_devices("GPU")
    packages = ("deeptoolkit", "tensorflow", "keras", "keras-hub", "tensorflow-datasets", "scikit-learn", "click")
    return {
        **{package: version(package) for package in packages},
        "devices": [d.name for d in tf.config.list_logical_devices()],
        "gpus": [
            {"name": gpu.name, "compute_capability": ".".join(map(str, cc))}
            for gpu, cc in zip(gpus, gpu_compute_capabilities())
        ],
        "precision_auto": resolve_precision("auto"),
        "precision_auto_recurrent": resolve_precision("auto", bfloat16_on_cpu=True),
        "jit_compile_auto": resolve_jit_compile("auto"),
    }
