"""The names of the runtime's settings, readable without importing TensorFlow (the command
line's choices and the tasks' declarations use them; `deeptoolkit.runtime` acts on them)."""

PRECISIONS = ("auto", "float32", "mixed_float16", "mixed_bfloat16")
DISTRIBUTIONS = (None, "mirrored", "multiworker")
JIT_COMPILE = ("auto", True, False)
