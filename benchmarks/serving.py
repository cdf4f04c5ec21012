"""deeptoolkit serve on the loopback (issue 29): per task, latency and requests per second against
calling the task's Python method directly.

    python benchmarks/serving.py [--models NAME=PATH ...] [--requests 40] [--seconds 20] [--rounds 2]

Without --models, one tiny model of each task is fitted first (tests/tiny_tasks.py's configs, one
epoch) and saved. The server is `deeptoolkit serve` in its own process on 127.0.0.1; the direct
calls run here, on the same saved models; clients are httpx. Each measurement is bounded by
--requests and --seconds; direct and served loops alternate (--rounds), medians reported, with
CPU seconds beside wall seconds (the server process's for served requests). The server's peak
memory (VmHWM) is read once all models are loaded and at the end.
"""

import argparse
import concurrent.futures
import io
import json
import os
import socket
import statistics
import sys
import tempfile
import subprocess
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


def workloads(models, folder):
    """{name: (direct(), request(client))}: the same work, called in Python and over HTTP."""
    from scipy.io import wavfile

    from deeptoolkit.data import spoken_digits

    rng = np.random.default_rng(0)
    loads = {}
    for name, task in models.items():
        kind = type(task).__name__
        if kind in ("ImageClassifier", "FaceVerifier", "Captioner"):
            size = tuple(task.state.get("image_size") or task.config.get("image_size") or (32, 32))
            channels = task.state.get("channels", 3 if kind == "Captioner" else 1)
            shape = (*size, channels) if channels == 3 else size
            data = png(rng.integers(0, 255, shape))
            path = os.path.join(folder, f"{name}.png")
            with open(path, "wb") as handle:
                handle.write(data)
        if kind == "ImageClassifier":
            loads[name] = (lambda t=task, p=path: t.predict(p, top_k=5)[0],
                           lambda c, n=name, d=data: c.post(f"/models/{n}/predict", files={"image": ("i.png", d)}))
        elif kind == "FaceVerifier":
            loads[name] = (lambda t=task, p=path: t.verify(p, p),
                           lambda c, n=name, d=data: c.post(f"/models/{n}/verify", files={"first": ("a.png", d), "second": ("b.png", d)}))
        elif kind == "Captioner":
            loads[name] = (lambda t=task, p=path: t.caption(p),
                           lambda c, n=name, d=data: c.post(f"/models/{n}/caption", files={"image": ("i.png", d)}))
        elif kind == "CharRNN":
            loads[name] = (lambda t=task: t.generate("the ", 50, seed=1),
                           lambda c, n=name: c.post(f"/models/{n}/generate", json={"prime": "the ", "length": 50, "seed": 1}))
        elif kind == "Translator":
            loads[name] = (lambda t=task: t.translate("i like the small cat ."),
                           lambda c, n=name: c.post(f"/models/{n}/translate", json={"sentence": "i like the small cat ."}))
        elif kind == "SpeechRecognizer":
            clip = spoken_digits.split()[1][0][7]
            path = os.path.join(folder, f"{name}.wav")
            wavfile.write(path, clip.rate, np.round(clip.samples * 32767).astype("int16"))
            with open(path, "rb") as handle:
                data = handle.read()
            loads[name] = (lambda t=task, p=path: t.predict(p)[0],
                           lambda c, n=name, d=data: c.post(f"/models/{n}/predict", files={"clips": ("c.wav", d)}))
        elif kind == "MemNN":
            loads[name] = (lambda t=task: t.answer(STORY, "where is the ring ?"),
                           lambda c, n=name: c.post(f"/models/{n}/answer", json={"story": STORY, "question": "where is the ring ?"}))
    return loads


def timed_loop(call, requests, seconds, cpu_clock=time.process_time):
    """Latencies of up to `requests` calls within `seconds`; (latencies, wall, cpu)."""
    latencies, start, cpu, deadline = [], time.perf_counter(), cpu_clock(), time.perf_counter() + seconds
    while len(latencies) < requests and time.perf_counter() < deadline:
        begun = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - begun)
    return latencies, time.perf_counter() - start, cpu_clock() - cpu


def concurrent_loop(request, base, clients, requests, seconds, cpu_clock):
    """Requests per second with `clients` concurrent clients, each bounded like `timed_loop`."""
    def one_client(_):
        with httpx.Client(base_url=base, timeout=60) as client:
            done, deadline = 0, time.perf_counter() + seconds
            while done < requests and time.perf_counter() < deadline:
                response = request(client)
                assert response.status_code == 200, response.text
                done += 1
            return done
    start, cpu = time.perf_counter(), cpu_clock()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        done = sum(pool.map(one_client, range(clients)))
    wall = time.perf_counter() - start
    return done / wall, wall, cpu_clock() - cpu


def summary(latencies, wall, cpu):
    ordered = sorted(latencies)
    return {"requests": len(latencies), "p50_ms": round(1000 * statistics.median(ordered), 2),
            "p99_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 2),
            "per_s": round(len(latencies) / wall, 2), "wall_s": round(wall, 2), "cpu_s": round(cpu, 2)}


def start_server(specs):
    """`deeptoolkit serve` on a free loopback port; (process, base URL) once it answers."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "deeptoolkit.cli", "serve", *specs, "--port", str(port)],
                              stdout=subprocess.DEVNULL, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    base, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 300
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"{base}/models", timeout=2).status_code == 200:
                return server, base
        except httpx.HTTPError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("the server did not start within 300 s")


def peak_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        return round(int(next(line for line in status if line.startswith("VmHWM")).split()[1]) / 1024)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", default=None, help="NAME=PATH of saved models (default: fit tiny ones).")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    from deeptoolkit.serve.models import load_models

    import psutil

    folder = tempfile.mkdtemp()
    specs = args.models
    if not specs:
        from pathlib import Path

        specs = [f"{name}={task.save(os.path.join(folder, name + '.dtk'))}" for name, task in tiny_models(Path(folder)).items()]
    models = load_models(specs)
    server, base = start_server(specs)
    loaded_mb = peak_mb(server.pid)
    server_cpu = lambda process=psutil.Process(server.pid): sum(process.cpu_times()[:2])  # noqa: E731
    rows = {}
    with httpx.Client(base_url=base, timeout=60) as client:
        for name, (direct, request) in workloads(models, folder).items():
            direct(), request(client)  # warm: traced graphs, first allocations
            runs = {"direct": [], "served": []}
            for _ in range(args.rounds):
                runs["direct"].append(summary(*timed_loop(direct, args.requests, args.seconds)))
                runs["served"].append(summary(*timed_loop(lambda: request(client), args.requests, args.seconds, server_cpu)))
            medians = {side: {key: statistics.median(r[key] for r in results) for key in results[0]} for side, results in runs.items()}
            per_s, wall, cpu = concurrent_loop(request, base, 8, max(1, args.requests // 8), args.seconds, server_cpu)
            row = {"task": type(models[name]).__name__, **{f"{side}_{k}": v for side, m in medians.items() for k, v in m.items()},
                   "served_8_clients_per_s": round(per_s, 2), "served_8_clients_cpu_s": round(cpu, 2),
                   "served_over_direct_1_client": round(medians["served"]["per_s"] / medians["direct"]["per_s"], 3)}
            rows[name] = row
            print(json.dumps({name: row}), flush=True)
    end_mb = peak_mb(server.pid)
    server.terminate()
    server.wait(30)
    print("\n| model | direct p50 / p99 ms | served p50 / p99 ms | direct / served per s (1 client) | ratio | served per s, 8 clients |")
    print("|---|---|---|---|---|---|")
    for name, r in rows.items():
        print(f"| {name} ({r['task']}) | {r['direct_p50_ms']} / {r['direct_p99_ms']} | {r['served_p50_ms']} / {r['served_p99_ms']} | "
              f"{r['direct_per_s']} / {r['served_per_s']} | {r['served_over_direct_1_client']} | {r['served_8_clients_per_s']} |")
    print(json.dumps({"server_peak_mb_all_models_loaded": loaded_mb, "server_peak_mb_end": end_mb,
                      "min_ratio_1_client": min(r["served_over_direct_1_client"] for r in rows.values()), "rows": rows}))


if __name__ == "__main__":
    main()
