"""deeptoolkit serve on the loopback (issues 29, 40): per task, requests per second and p50 / p99
latency at 1, 8 and 32 clients, against direct calls of the task's method in one process.

    python benchmarks/serving.py [--models NAME=PATH ...] [--clients 1 8 32] [--seconds 5] [--rounds 2]
                                 [--baseline-code DIR]

Without --models, one tiny model of each task is fitted first (tests/tiny_tasks.py's configs, one
epoch) and saved. The server is `deeptoolkit serve` (default options) in its own process on
127.0.0.1; the direct calls run here, on the same saved models. Clients are httpx, one
connection each, with the request body encoded once. Each measurement runs `--seconds` after a
one-second warm-up at the same concurrency; direct and served alternate (--rounds), medians
reported, with CPU seconds beside wall seconds (served: the server's and the clients' together).

Direct, one at a time: the task's method called with one item, as a script would. Direct,
batched: the same method called with as many items as there are clients, per item; for the verbs
a server batches (one input of several items) it is what batching can reach.

--baseline-code DIR serves the image classifier from another checkout of deeptoolkit (e.g. the
commit before batching, in a git worktree) with the same clients, so that before and after are
measured on the same machine in the same run.
"""

import argparse
import concurrent.futures
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import httpx  # noqa: E402
import numpy as np  # noqa: E402

STORY = "bilbo travelled to the cave .\nbilbo took the ring .\nbilbo went back to the shire .\nfrodo went to mount-doom ."


def png(array):
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.asarray(array, "uint8")).save(buffer, format="PNG")
    return buffer.getvalue()


def tiny_models(folder):
    from deeptoolkit import registry
    from tests.tiny_tasks import TINY

    models = {}
    for name, (config, data) in TINY.items():
        task = registry.task_class(registry.TASKS[name])(**config, epochs=1, seed=0)
        models[name.replace("-", "_")] = task.fit(data(folder), verbose=0)
    return models


class Workload:
    """One task's request: `direct(n)` calls the task's method on n items (or once, for a verb of
    one item), `path` and `request` (body bytes and headers, encoded once) post it."""

    def __init__(self, direct, path, batched, **request):
        self.direct, self.path, self.batched = direct, path, batched
        encoded = httpx.Request("POST", "http://x" + path, **request)
        self.body, self.headers = encoded.read(), {"content-type": encoded.headers["content-type"]}


def workloads(models, folder):
    """{name: Workload}: the same work, called in Python and over HTTP."""
    from scipy.io import wavfile

    from deeptoolkit.data import spoken_digits

    rng = np.random.default_rng(0)
    loads = {}
    for name, task in models.items():
        kind = type(task).__name__
        if kind in ("ImageClassifier", "FaceVerifier", "Captioner"):
            size = tuple(task.state.get("image_size") or task.config.get("image_size") or (32, 32))
            channels = task.state.get("channels", 3 if kind == "Captioner" else 1)
            data = png(rng.integers(0, 255, (*size, channels) if channels == 3 else size))
            path = os.path.join(folder, f"{name}.png")
            with open(path, "wb") as handle:
                handle.write(data)
        if kind == "ImageClassifier":
            loads[name] = Workload(lambda n, t=task, p=path: t.predict([p] * n, top_k=5), f"/models/{name}/predict", True,
                                   files={"image": ("i.png", data)}, data={"top_k": "5"})
        elif kind == "FaceVerifier":
            loads[name] = Workload(lambda n, t=task, p=path: t.verify(p, p), f"/models/{name}/verify", False,
                                   files={"first": ("a.png", data), "second": ("b.png", data)})
        elif kind == "Captioner":
            loads[name] = Workload(lambda n, t=task, p=path: t.caption([p] * n), f"/models/{name}/caption", True,
                                   files={"image": ("i.png", data)})
        elif kind == "CharRNN":
            loads[name] = Workload(lambda n, t=task: t.generate("the ", 50, seed=1), f"/models/{name}/generate", False,
                                   json={"prime": "the ", "length": 50, "seed": 1})
        elif kind == "Translator":
            loads[name] = Workload(lambda n, t=task: t.translate(["i like the small cat ."] * n), f"/models/{name}/translate", True,
                                   json={"sentence": "i like the small cat ."})
        elif kind == "SpeechRecognizer":
            clip = spoken_digits.split()[1][0][7]
            path = os.path.join(folder, f"{name}.wav")
            wavfile.write(path, clip.rate, np.round(clip.samples * 32767).astype("int16"))
            with open(path, "rb") as handle:
                data = handle.read()
            loads[name] = Workload(lambda n, t=task, p=path: t.predict([p] * n), f"/models/{name}/predict", True,
                                   files={"clips": ("c.wav", data)})
        elif kind == "MemNN":
            loads[name] = Workload(lambda n, t=task: t.answer(STORY, "where is the ring ?"), f"/models/{name}/answer", False,
                                   json={"story": STORY, "question": "where is the ring ?"})
    return loads


def summary(latencies, items, wall, cpu):
    ordered = sorted(latencies)
    return {"per_s": round(items / wall, 1), "p50_ms": round(1000 * statistics.median(ordered), 2),
            "p99_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 2),
            "calls": len(latencies), "wall_s": round(wall, 2), "cpu_s": round(cpu, 2)}


def direct_loop(workload, items, seconds):
    """The task's method called with `items` items at a time for `seconds`; per item per second."""
    workload.direct(items)
    latencies, start, cpu = [], time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        begun = time.perf_counter()
        workload.direct(items)
        latencies.append(time.perf_counter() - begun)
    return summary(latencies, len(latencies) * (items if workload.batched else 1), time.perf_counter() - start,
                   time.process_time() - cpu)


def served_loop(workload, base, clients, seconds, server_cpu):
    """`clients` clients, one connection each, posting for `seconds` after a one-second warm-up."""
    def client(duration):
        latencies, deadline = [], time.perf_counter() + duration
        with httpx.Client(base_url=base, timeout=60) as http:
            while time.perf_counter() < deadline:
                begun = time.perf_counter()
                response = http.post(workload.path, content=workload.body, headers=workload.headers)
                if response.status_code != 200:
                    raise SystemExit(f"{workload.path}: {response.status_code} {response.text}")
                latencies.append(time.perf_counter() - begun)
        return latencies

    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, [1.0] * clients))  # warm: connections, threads, every batch size
        start, cpu, served = time.perf_counter(), time.process_time(), server_cpu()
        latencies = [latency for part in pool.map(client, [seconds] * clients) for latency in part]
        wall = time.perf_counter() - start
    return summary(latencies, len(latencies), wall, time.process_time() - cpu + server_cpu() - served)


def start_server(specs, code=None, options=()):
    """`deeptoolkit serve` (from `code`, a checkout, if given; with `options`) on a free loopback port; (process, base URL)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    if code:
        env["PYTHONPATH"] = os.path.abspath(code)
    log = open(os.path.join(tempfile.mkdtemp(), "server.log"), "w")
    server = subprocess.Popen([sys.executable, "-m", "deeptoolkit.cli", "serve", *specs, "--port", str(port), *options],
                              stdout=subprocess.DEVNULL, stderr=log, env=env, cwd=os.path.abspath(code) if code else None)
    base, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 300
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"{base}/models", timeout=2).status_code == 200:
                return server, base
        except httpx.HTTPError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit(f"the server did not start within 300 s (its log: {log.name})")


def peak_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        return round(int(next(line for line in status if line.startswith("VmHWM")).split()[1]) / 1024)


def medians(results):
    return {key: round(statistics.median(r[key] for r in results), 2) for key in results[0]}


def measure(name, workload, base, server_cpu, clients, seconds, rounds):
    """{clients: {"direct": ..., "direct_batched": ..., "served": ...}} for one workload, interleaved."""
    rows = {}
    for count in clients:
        runs = {"direct": [], "served": []}
        if workload.batched and count > 1:
            runs["direct_batched"] = []
        for _ in range(rounds):
            runs["direct"].append(direct_loop(workload, 1, seconds))
            if "direct_batched" in runs:
                runs["direct_batched"].append(direct_loop(workload, count, seconds))
            runs["served"].append(served_loop(workload, base, count, seconds, server_cpu))
        rows[count] = {side: medians(results) for side, results in runs.items()}
        print(json.dumps({name: {count: rows[count]}}), flush=True)
    return rows


def table(rows, clients):
    lines = ["| model | direct, one at a time: per s (p50 / p99 ms) | "
             + " | ".join(f"served, {c} client{'s' if c > 1 else ''}: per s (p50 / p99 ms)" for c in clients)
             + " | direct, batched as many as the clients: items per s |", "|" + "---|" * (len(clients) + 3)]
    for name, (task, by_clients) in rows.items():
        direct = by_clients[clients[0]]["direct"]
        served = [by_clients[c]["served"] for c in clients]
        batched = ", ".join(f"{c}: {by_clients[c]['direct_batched']['per_s']}" for c in clients if "direct_batched" in by_clients[c])
        lines.append(f"| {name} ({task}) | {direct['per_s']} ({direct['p50_ms']} / {direct['p99_ms']}) | "
                     + " | ".join(f"{s['per_s']} ({s['p50_ms']} / {s['p99_ms']})" for s in served) + f" | {batched or 'one item per call'} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", default=None, help="NAME=PATH of saved models (default: fit tiny ones).")
    parser.add_argument("--clients", nargs="*", type=int, default=[1, 8, 32])
    parser.add_argument("--seconds", type=float, default=5.0, help="Seconds per measurement (after a 1 s warm-up).")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--only", nargs="*", default=None, help="Measure these model names only.")
    parser.add_argument("--baseline-code", default=None, help="A checkout whose server also serves the image classifier.")
    parser.add_argument("--serve-options", default="", help="More options of deeptoolkit serve, e.g. '--batch-wait-ms 0'.")
    args = parser.parse_args()
    import logging

    from deeptoolkit.serve.models import load_models

    logging.getLogger("deeptoolkit").setLevel(logging.ERROR)  # the direct calls' warnings (a face verifier's domain) each time

    import psutil

    folder = tempfile.mkdtemp()
    specs = args.models
    if not specs:
        from pathlib import Path

        specs = [f"{name}={task.save(os.path.join(folder, name + '.dtk'))}" for name, task in tiny_models(Path(folder)).items()]
    if args.only:
        specs = [spec for spec in specs if spec.split("=", 1)[0] in args.only]
    models = load_models(specs)
    loads = workloads(models, folder)
    server, base = start_server(specs, options=args.serve_options.split())
    loaded_mb = peak_mb(server.pid)
    server_cpu = lambda process=psutil.Process(server.pid): sum(process.cpu_times()[:2])  # noqa: E731
    rows = {name: (type(models[name]).__name__, measure(name, workload, base, server_cpu, args.clients, args.seconds, args.rounds))
            for name, workload in loads.items()}
    end_mb = peak_mb(server.pid)
    server.terminate()
    server.wait(30)
    baseline = None
    if args.baseline_code:
        name = next(n for n, (task, _) in rows.items() if task == "ImageClassifier")
        old, old_base = start_server([spec for spec in specs if spec.split("=", 1)[0] == name], args.baseline_code)
        old_cpu = lambda process=psutil.Process(old.pid): sum(process.cpu_times()[:2])  # noqa: E731
        baseline = {count: medians([served_loop(loads[name], old_base, count, args.seconds, old_cpu) for _ in range(args.rounds)])
                    for count in args.clients}
        print(json.dumps({"baseline": {name: baseline}}), flush=True)
        old.terminate()
        old.wait(30)
    print()
    print(table(rows, args.clients))
    if baseline:
        print(f"\nImage classifier served by {args.baseline_code}: "
              + "; ".join(f"{c} clients {b['per_s']} per s ({b['p50_ms']} / {b['p99_ms']} ms)" for c, b in baseline.items()))
    print(json.dumps({"server_peak_mb_all_models_loaded": loaded_mb, "server_peak_mb_end": end_mb,
                      "rows": {name: {"task": task, **{str(c): r for c, r in by.items()}} for name, (task, by) in rows.items()},
                      "baseline": baseline}))


if __name__ == "__main__":
    main()
