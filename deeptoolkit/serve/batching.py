"""Requests that arrive together, answered by one call of the model (dynamic batching).

Each served model has one `ModelWorker`: a thread that alone calls the model, as a Keras model's
state is not shared safely between threads. Request threads hand it jobs and wait for their
answers. A batched job carries items (images, clips, texts); the worker runs it together with the
jobs of the same verb and options that are waiting, or that arrive within `max_wait_s` of it, up
to `max_batch` items in all, and hands each job its own answers. If the call fails, each job of the
batch runs again alone, so that only the request at fault gets the error.
"""

import collections
import concurrent.futures
import dataclasses
import queue
import threading
import time


@dataclasses.dataclass(eq=False)
class _Job:
    key: object  # jobs with equal keys may share a call
    call: object  # batched: call(items) -> one answer per item; alone: call()
    items: list = None
    future: concurrent.futures.Future = dataclasses.field(default_factory=concurrent.futures.Future)


class ModelWorker:
    """The thread that calls one model: `batched` jobs share calls, `alone` jobs run by themselves.

    on_batch(key, size) is called after each batched call (for the metrics)."""

    def __init__(self, name, max_batch=32, max_wait_s=0.002, on_batch=None):
        self.name, self.max_batch, self.max_wait_s = name, max_batch, max_wait_s
        self._on_batch = on_batch or (lambda key, size: None)
        self._queue = queue.Queue()
        self._waiting = collections.deque()  # taken from the queue, not batchable with the job of that moment
        self._lock = threading.Lock()
        self._closed = self._dropping = False
        self._thread = threading.Thread(target=self._serve, name=f"deeptoolkit-model-{name}", daemon=True)
        self._thread.start()

    def batched(self, key, call, items):
        """call(items of this and other jobs of `key`) -> one answer per item; this job's answers, in order."""
        if not 0 < len(items) <= self.max_batch:
            raise ValueError(f"a job holds 1 to {self.max_batch} items; received {len(items)}")
        return self._submit(_Job(key, call, list(items)))

    def alone(self, key, call):
        """call(), run by the worker on its own; its result."""
        return self._submit(_Job(key, call))

    def close(self, timeout=None, drop_waiting=False):
        """Answer the jobs already handed in, then stop the thread (waiting up to `timeout`); with
        `drop_waiting`, the jobs not yet started get an error instead (a shutdown whose grace period
        is over: their requests are gone). The worker thread itself answers them, in turn."""
        with self._lock:
            self._closed = True
            self._dropping = self._dropping or drop_waiting
            self._queue.put(None)
        self.join(timeout)

    def join(self, timeout=None):
        self._thread.join(timeout)

    def _submit(self, job):
        with self._lock:
            if self._closed or not self._thread.is_alive():
                raise RuntimeError(f"the worker of model {self.name!r} has stopped")
            self._queue.put(job)
        return job.future.result()

    def _next(self, timeout=None):
        if self._waiting:
            return self._waiting.popleft()
        return self._queue.get(timeout=timeout) if timeout is None or timeout > 0 else self._queue.get_nowait()

    def _serve(self):
        while True:
            job = self._next()
            if job is None:
                if self._waiting:  # stop only once what was handed in before has been answered
                    self._waiting.append(None)
                    continue
                return
            if job.items is None:
                self._run([job])
            else:
                self._run(self._batch_with(job))

    def _batch_with(self, first):
        """`first` and the jobs of its key that wait or arrive within max_wait_s, up to max_batch items."""
        group, count = [first], len(first.items)
        for job in list(self._waiting):
            if job is not None and job.items is not None and job.key == first.key and count + len(job.items) <= self.max_batch:
                self._waiting.remove(job)
                group.append(job)
                count += len(job.items)
        deadline = time.monotonic() + self.max_wait_s
        while count < self.max_batch:
            try:
                job = self._queue.get(timeout=deadline - time.monotonic()) if deadline > time.monotonic() else self._queue.get_nowait()
            except queue.Empty:
                break
            if job is not None and job.items is not None and job.key == first.key and count + len(job.items) <= self.max_batch:
                group.append(job)
                count += len(job.items)
            else:
                self._waiting.append(job)  # answered in a later round, in the order it came
                if job is None:
                    break
        return group

    def _run(self, group):
        if self._dropping:
            for job in group:
                job.future.set_exception(RuntimeError(f"the server stopped before model {self.name!r} answered"))
            return
        if group[0].items is None:
            try:
                group[0].future.set_result(group[0].call())
            except BaseException as error:  # noqa: B036 - handed to the request that waits for it
                group[0].future.set_exception(error)
            return
        items = [item for job in group for item in job.items]
        try:
            answers = list(group[0].call(items))
            if len(answers) != len(items):
                raise RuntimeError(f"{len(items)} items were answered with {len(answers)} answers")
        except BaseException as error:  # noqa: B036
            if len(group) == 1:
                group[0].future.set_exception(error)
            else:
                for job in group:
                    self._run([job])
            return
        self._on_batch(group[0].key, len(items))
        start = 0
        for job in group:
            job.future.set_result(answers[start:start + len(job.items)])
            start += len(job.items)
