"""The task classes, imported on first use from the registry (`deeptoolkit.registry`)."""

from deeptoolkit import registry

__all__ = ["Task", "load", *registry.TASKS.values()]


def __getattr__(name):
    if name in ("Task", "load"):
        from deeptoolkit.tasks import base

        return getattr(base, name)
    task_class = registry.task_class(name)
    if task_class is None:
        raise AttributeError(f"module 'deeptoolkit.tasks' has no attribute {name!r}")
    return task_class
