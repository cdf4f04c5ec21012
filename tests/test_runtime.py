import keras
import pytest

from deeptoolkit import runtime
from deeptoolkit.errors import DeeptoolkitError
from tests.conftest import with_gpu, without_gpu


@without_gpu
def test_auto_precision_is_float32_without_a_gpu():
    assert runtime.resolve_precision("auto") == "float32"


@with_gpu
def test_auto_precision_is_float16_on_tensor_core_gpus_else_float32():
    expected = "mixed_float16" if min(runtime.gpu_compute_capabilities()) >= (7, 0) else "float32"
    assert runtime.resolve_precision("auto") == expected == runtime.describe()["precision_auto"]
    assert runtime.resolve_jit_compile("auto") == "auto"  # Keras decides per model on a GPU


@pytest.mark.parametrize("name", ["float32", "mixed_float16", "mixed_bfloat16"])
def test_explicit_precision_is_kept(name):
    assert runtime.resolve_precision(name) == name


def test_unknown_precision_is_refused():
    with pytest.raises(DeeptoolkitError, match="precision=.float64."):
        runtime.resolve_precision("float64")


def test_precision_scope_restores_the_global_policy():
    before = keras.config.dtype_policy().name
    with runtime.precision_scope("mixed_bfloat16"):
        assert keras.config.dtype_policy().name == "mixed_bfloat16"
        layer = keras.layers.Dense(2)
    assert keras.config.dtype_policy().name == before
    assert layer.compute_dtype == "bfloat16" and layer.variable_dtype == "float32"


def test_loss_scaling_only_under_float16():
    assert isinstance(runtime.wrap_optimizer(keras.optimizers.Adam(), "mixed_float16"), keras.optimizers.LossScaleOptimizer)
    assert not isinstance(runtime.wrap_optimizer(keras.optimizers.Adam(), "mixed_bfloat16"), keras.optimizers.LossScaleOptimizer)


def test_mirrored_strategy_uses_both_logical_cpus():
    assert runtime.get_strategy("mirrored").num_replicas_in_sync == 2
    assert runtime.get_strategy(None).num_replicas_in_sync == 1


def test_unknown_distribution_is_refused():
    with pytest.raises(DeeptoolkitError, match="distribute="):
        runtime.get_strategy("tpu")


def test_bad_seed_is_refused():
    with pytest.raises(DeeptoolkitError, match="seed="):
        runtime.set_seed("seven")


def test_describe_names_versions_and_precision():
    facts = runtime.describe()
    assert facts["precision_auto"] == runtime.resolve_precision("auto")
    assert facts["tensorflow"] and facts["keras"].startswith("3.") and facts["keras-hub"] != "not installed"


@without_gpu
def test_xla_auto_is_off_on_the_cpu_and_explicit_choices_are_kept():
    assert runtime.resolve_jit_compile("auto") is False
    assert runtime.resolve_jit_compile("auto", xla_on_cpu=True) is True  # a task that measured faster under XLA
    assert runtime.resolve_jit_compile(False, xla_on_cpu=True) is False
    # XLA on a CPU cannot compile the all-reduce between replicas.
    assert runtime.resolve_jit_compile("auto", xla_on_cpu=True, distribute="multiworker") is False
    assert runtime.resolve_jit_compile(True) is True and runtime.resolve_jit_compile(False) is False
    with pytest.raises(DeeptoolkitError, match="jit_compile="):
        runtime.resolve_jit_compile("yes")
