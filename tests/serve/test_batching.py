"""ModelWorker: jobs that wait together share one call, each gets its own answers in order, and
a bad item fails only its own request."""

import concurrent.futures
import threading
import time

import pytest

from deeptoolkit.serve.batching import ModelWorker


class Recorder:
    """A model call that records the items of each call; the first call waits for `release`."""

    def __init__(self):
        self.calls, self.release, self.started = [], threading.Event(), threading.Event()

    def __call__(self, items):
        self.calls.append(list(items))
        if len(self.calls) == 1:
            self.started.set()
            self.release.wait(10)
        if any(item == "bad" for item in items):
            raise ValueError("bad item")
        return [item.upper() for item in items]


def submit_while_busy(worker, recorder, jobs, key="k"):
    """Hand in a first job, and `jobs` while the model is busy with it; their answers (or errors)."""
    with concurrent.futures.ThreadPoolExecutor(len(jobs) + 1) as pool:
        first = pool.submit(worker.batched, key, recorder, ["first"])
        assert recorder.started.wait(10)
        futures = [pool.submit(worker.batched, job_key, recorder, items) for job_key, items in jobs]
        time.sleep(0.3)  # every job is queued behind the busy model
        recorder.release.set()
        assert first.result(10) == ["FIRST"]
        return [future.exception(10) or future.result(10) for future in futures]


def test_jobs_that_wait_together_share_one_call_and_get_their_own_answers_in_order():
    worker, recorder = ModelWorker("m", max_batch=8, max_wait_s=0), Recorder()
    answers = submit_while_busy(worker, recorder, [("k", ["a", "b"]), ("k", ["c"]), ("k", ["d", "e", "f"])])
    assert answers == [["A", "B"], ["C"], ["D", "E", "F"]]  # each job its own answers, in the order of its items
    assert len(recorder.calls) == 2 and sorted(recorder.calls[1]) == ["a", "b", "c", "d", "e", "f"]
    worker.close()


def test_a_batch_holds_at_most_max_batch_items_and_keys_never_mix():
    worker, recorder = ModelWorker("m", max_batch=3, max_wait_s=0), Recorder()
    answers = submit_while_busy(worker, recorder, [("k", ["a", "b"]), ("k", ["c", "d"]), ("other", ["x"]), ("k", ["e"])])
    assert answers == [["A", "B"], ["C", "D"], ["X"], ["E"]]
    assert all(len(call) <= 3 for call in recorder.calls)
    assert ["x"] in recorder.calls  # the other key's job ran by itself
    assert sorted(item for call in recorder.calls[1:] for item in call) == ["a", "b", "c", "d", "e", "x"]
    worker.close()


def test_a_bad_item_fails_its_own_request_only():
    worker, recorder = ModelWorker("m", max_batch=8, max_wait_s=0), Recorder()
    answers = submit_while_busy(worker, recorder, [("k", ["a"]), ("k", ["bad"]), ("k", ["c", "d"])])
    assert answers[0] == ["A"] and answers[2] == ["C", "D"]
    assert isinstance(answers[1], ValueError) and str(answers[1]) == "bad item"
    worker.close()


def test_a_batch_waits_up_to_its_bound_for_more_requests():
    worker, calls = ModelWorker("m", max_batch=8, max_wait_s=0.5), []

    def call(items):
        calls.append(list(items))
        return items

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        first = pool.submit(worker.batched, "k", call, ["a"])
        time.sleep(0.1)  # within the first's wait
        second = pool.submit(worker.batched, "k", call, ["b"])
        assert first.result(5) == ["a"] and second.result(5) == ["b"]
    assert calls == [["a", "b"]]
    start = time.monotonic()
    assert worker.batched("k", call, ["c"]) == ["c"]  # alone: answered once the wait is over
    assert 0.4 < time.monotonic() - start < 3
    worker.close()


def test_jobs_alone_and_closing():
    worker = ModelWorker("m")
    assert worker.alone("verify", lambda: 42) == 42
    with pytest.raises(KeyError):
        worker.alone("verify", lambda: {}["missing"])
    with pytest.raises(ValueError, match="1 to 32 items"):
        worker.batched("k", list, [])
    worker.close(timeout=5)
    with pytest.raises(RuntimeError, match="stopped"):
        worker.alone("verify", lambda: 1)


def test_closing_after_the_grace_period_drops_the_jobs_not_yet_started():
    worker, recorder = ModelWorker("m", max_batch=1, max_wait_s=0), Recorder()
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        first = pool.submit(worker.batched, "k", recorder, ["first"])
        assert recorder.started.wait(10)
        waiting = [pool.submit(worker.batched, "k", recorder, [item]) for item in ("a", "b")]
        deadline = time.monotonic() + 10
        while worker._queue.qsize() < 2 and time.monotonic() < deadline:  # both handed in before the close
            time.sleep(0.01)
        threading.Timer(0.3, recorder.release.set).start()
        worker.close(timeout=5, drop_waiting=True)
        assert first.result(5) == ["FIRST"]  # the call in progress is answered
        for future in waiting:
            with pytest.raises(RuntimeError, match="stopped before model 'm' answered"):
                future.result(5)
    assert recorder.calls == [["first"]]
