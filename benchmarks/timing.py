"""Timing helpers shared by the benchmarks: per-epoch wall and CPU clocks, interleaved rounds.

Wall-clock step times on a shared 2-core machine come in quantized jumps, so every comparison
runs its contenders interleaved (A B A B ...) and reports medians, with process CPU seconds
beside wall seconds.
"""

import json
import statistics
import time

import keras


class EpochTimer(keras.callbacks.Callback):
    """Records wall and process-CPU seconds of every epoch (the first one includes tracing)."""

    def __init__(self):
        super().__init__()
        self.wall, self.cpu = [], []

    def on_epoch_begin(self, epoch, logs=None):
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def on_epoch_end(self, epoch, logs=None):
        self.wall.append(time.perf_counter() - self._wall)
        self.cpu.append(time.process_time() - self._cpu)

    def steady(self):
        """Median (wall, cpu) seconds per epoch, leaving out the first (tracing) epoch."""
        return statistics.median(self.wall[1:]), statistics.median(self.cpu[1:])


def clocked(function):
    """Run `function()`; return (its result, wall seconds, CPU seconds)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def interleaved(contenders, rounds):
    """Run each named contender once per round, in turn; return {name: [result, ...]}."""
    results = {name: [] for name in contenders}
    for round_number in range(rounds):
        for name, run in contenders.items():
            results[name].append(run())
            print(f"  round {round_number + 1}/{rounds} {name}: {results[name][-1]}", flush=True)
    return results


def median_of(results, key):
    return statistics.median(r[key] for r in results)


class CpuBudget(keras.callbacks.Callback):
    """Stops training once the process has used `seconds` of CPU time; records the curve."""

    def __init__(self, seconds):
        super().__init__()
        self.seconds = seconds
        self.points = []

    def on_train_begin(self, logs=None):
        self.start_cpu, self.start_wall = time.process_time(), time.perf_counter()
        self.epochs_trained = 0.0  # fractional: the budget may end an epoch early

    def on_train_batch_end(self, batch, logs=None):
        self.epochs_trained += 1.0 / self.params["steps"]
        if time.process_time() - self.start_cpu >= self.seconds:
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        self.points.append({"epoch": epoch + 1, "cpu_s": round(time.process_time() - self.start_cpu),
                            "wall_s": round(time.perf_counter() - self.start_wall),
                            **{k: round(float(v), 4) for k, v in (logs or {}).items()}})
        print(json.dumps(self.points[-1]), flush=True)
