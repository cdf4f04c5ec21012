"""Training on several machines: `tf.distribute.MultiWorkerMirroredStrategy` from TF_CONFIG.

Every worker runs the same command; TensorFlow's standard `TF_CONFIG` environment variable
tells each one the cluster and which worker it is:

    TF_CONFIG='{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}'

Worker 0 (or the task of type "chief", when the cluster names one) is the chief: it alone
writes the saved model, plots and TensorBoard logs. Each worker keeps its own resume backup.

Two Keras 3 gaps are bridged here, only while this strategy is in use (keras-team/keras
issue 20585: the TensorFlow tutorial's multi-worker example fails under Keras 3):
- `fit` first builds the model on one batch, which Keras obtains with a cross-replica
  `strategy.reduce` over a nested batch that this strategy cannot reduce (PerReplica to
  Tensor error); zeros of the batch's shapes build it as well;
- the per-step logs (scalars: loss, accuracy) are averaged with `reduce(axis=0)`, which a
  scalar does not have; they are averaged over workers with `axis=None` instead.
"""

import functools
import json
import logging
import os
import socket
import types

from deeptoolkit.errors import DeeptoolkitError

log = logging.getLogger("deeptoolkit")

_strategy = None


def local_tf_configs(workers):
    """TF_CONFIG values for `workers` processes on this machine (127.0.0.1, free ports), worker
    0 the chief: to try a multi-worker run before a cluster, as the tests and benchmarks do."""
    sockets = [socket.socket() for _ in range(workers)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        addresses = [f"127.0.0.1:{s.getsockname()[1]}" for s in sockets]
    finally:
        for s in sockets:
            s.close()
    return [json.dumps({"cluster": {"worker": addresses}, "task": {"type": "worker", "index": i}}) for i in range(workers)]


def cluster():
    """(task type, task index, number of workers) from TF_CONFIG; ("worker", 0, 1) without it."""
    return _parse_tf_config()[:3]


def _parse_tf_config():
    """cluster()'s three values and whether the cluster names a chief."""
    raw = os.environ.get("TF_CONFIG", "").strip()
    if not raw:
        return "worker", 0, 1, False
    try:
        config = json.loads(raw)
        jobs = config["cluster"]
        task = config["task"]
        task_type, index = task["type"], int(task["index"])
        workers = sum(len(jobs.get(name, [])) for name in ("chief", "worker"))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        example = '{"cluster": {"worker": ["host1:port", "host2:port"]}, "task": {"type": "worker", "index": 0}}'
        raise DeeptoolkitError(
            f"TF_CONFIG must be JSON like {example} ({type(error).__name__}: {error}). Received: TF_CONFIG={raw!r}"
        ) from None
    if task_type not in jobs or not 0 <= index < len(jobs[task_type]):
        raise DeeptoolkitError(f"TF_CONFIG's task is not in its cluster. Received: task={task!r}, cluster={jobs!r}")
    return task_type, index, workers, "chief" in jobs


def strategy():
    """The process's MultiWorkerMirroredStrategy, created on the first call.

    TensorFlow configures the collective ops between workers when the strategy is created,
    which it can only do before anything else runs in the process; hence one per process.
    """
    global _strategy
    if _strategy is None:
        import tensorflow as tf

        task_type, index, workers = cluster()
        if workers == 1:
            log.warning("distribute='multiworker' without a TF_CONFIG naming several workers: training on this process alone")
        try:
            # Gradients summed in packs of up to 32 MiB, not one collective per variable, which
            # shortens the step (benchmarks/multiworker.py).
            packing = tf.distribute.experimental.CommunicationOptions(bytes_per_pack=32 * 1024 * 1024)
            _strategy = tf.distribute.MultiWorkerMirroredStrategy(communication_options=packing)
        except RuntimeError as error:
            raise DeeptoolkitError(
                "distribute='multiworker' must start before TensorFlow runs anything in this process "
                f"({error}): call deeptoolkit.runtime.get_strategy('multiworker') first thing in the script, "
                "or use the command line (`deeptoolkit TASK train --distribute multiworker`)."
            ) from None
        _bridge_keras_log_reduction()
        log.info("multiworker: %s %d of %d workers, %d replicas", task_type, index, workers, _strategy.num_replicas_in_sync)
    return _strategy


def active():
    """True once this process trains under the multi-worker strategy."""
    return _strategy is not None


def is_chief():
    """True unless this process is a non-chief worker of a multi-worker run."""
    return not active() or chief_in_tf_config()


def chief_in_tf_config():
    """True where TF_CONFIG makes this process the chief (or there is no TF_CONFIG)."""
    task_type, index, _, has_chief = _parse_tf_config()
    return task_type == "chief" or (task_type == "worker" and index == 0 and not has_chief)


def worker_name():
    """"chief" or "worker-N": names this worker's own files (its resume backup)."""
    task_type, index, _ = cluster()
    return "chief" if is_chief() else f"{task_type}-{index}"


def prepare_model(model):
    """Let `model` (built and compiled under the strategy) run fit/evaluate/predict."""
    if active():
        model._maybe_symbolic_build = types.MethodType(_build_from_shapes, model)
    return model


def _build_from_shapes(model, iterator=None, data_batch=None):
    # Keras's own version draws the first batch from a fresh iterator, which also moves every
    # reshuffling dataset on by one epoch; zeros of the batch's shapes build the same graph,
    # and the run then sees the very batches a run without a strategy sees.
    import tensorflow as tf

    if iterator is not None:
        spec = iterator.data_adapter.get_tf_dataset().element_spec
        if all(isinstance(leaf, tf.TensorSpec) for leaf in tf.nest.flatten(spec)):
            data_batch = tf.nest.map_structure(lambda leaf: tf.zeros([d or 1 for d in leaf.shape], leaf.dtype), spec)
        else:
            local = model.distribute_strategy.experimental_local_results
            for _, _, batches in iterator:
                data_batch = tf.nest.map_structure(lambda value: local(value)[0], next(batches))
                break
    with model.distribute_strategy.scope():
        model._symbolic_build(data_batch=data_batch)


def _bridge_keras_log_reduction():
    from keras.src.backend.tensorflow import trainer

    original = trainer.reduce_per_replica
    if getattr(original, "deeptoolkit_bridge", False):
        return

    @functools.wraps(original)
    def reduce_per_replica(values, strategy, reduction):
        if reduction not in ("mean", "auto") or not trainer._collective_all_reduce_multi_worker(strategy):
            return original(values, strategy, reduction)

        def reduce_one(value):
            local = strategy.experimental_local_results(value)[0] if trainer._is_per_replica_instance(value) else value
            if getattr(local, "shape", None) is not None and local.shape.rank == 0:
                return strategy.reduce("MEAN", value, axis=None)
            return original(value, strategy, reduction)

        import keras

        return keras.tree.map_structure(reduce_one, values)

    reduce_per_replica.deeptoolkit_bridge = True
    trainer.reduce_per_replica = reduce_per_replica
