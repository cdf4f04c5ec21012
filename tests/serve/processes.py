"""`deeptoolkit serve` started as people start it, in its own process, on a port it picks."""

import os
import re
import subprocess
import sys
import time

import httpx
import pytest


def start_server(arguments, stderr_path, env=None, ready_models=None):
    """(process, base URL) of `deeptoolkit serve ARGUMENTS --port 0`, once /ready lists `ready_models`
    (the names before '=' in the arguments by default); its stderr goes to `stderr_path`."""
    names = ready_models or [a.split("=", 1)[0] for a in arguments if "=" in a and not a.startswith("-")]
    with open(stderr_path, "w") as errors:
        # Port 0: the server holds a free port from the start (a port chosen here could be taken meanwhile) and prints it.
        process = subprocess.Popen([sys.executable, "-m", "deeptoolkit.cli", "serve", *arguments, "--port", "0"],
                                   stdout=subprocess.PIPE, stderr=errors, text=True,
                                   env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONUNBUFFERED": "1", **(env or {})})
    printed = [process.stdout.readline() for _ in names]
    found = re.search(r"at http://[^:]+:(\d+)/models/", printed[-1])
    if not found:
        process.kill()
        pytest.fail(f"the server did not start: {printed} {open(stderr_path).read()[-2000:]}")
    base, deadline = f"http://127.0.0.1:{found.group(1)}", time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{base}/ready", timeout=2).json()["models"] == sorted(names):
                return process, base
        except (httpx.HTTPError, ValueError, KeyError):
            pass
        time.sleep(0.3)
    process.kill()
    pytest.fail(f"the server did not answer: {open(stderr_path).read()[-2000:]}")


def stop(process):
    if process.poll() is None:
        process.kill()
        process.wait(10)
