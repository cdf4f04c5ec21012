"""Commands say the toolkit's words only: no TensorFlow, absl, oneDNN or CUDA log lines, and the
commands that need no TensorFlow do not import it. Each runs in a fresh process, since the
start-up lines are written once per process, to the descriptors a test runner would not see."""

import json
import os
import subprocess
import sys

import numpy as np

from deeptoolkit import quiet_start, registry
from tests.cli_helpers import assert_no_log_lines
from tests.conftest import write_image
from tests.serve.conftest import LEGACY

# Runs the command line in a fresh interpreter, then says whether TensorFlow was imported. What
# Python writes to stderr joins stdout, in order; what libraries write to descriptor 2 does not.
DRIVER = """
import sys
sys.stderr = sys.stdout
from deeptoolkit.cli import main
for command in [line.split("\\0") for line in sys.stdin.read().split("\\n") if line]:
    print(">>> " + " ".join(command), flush=True)
    try:
        main(command, prog_name="deeptoolkit")
    except SystemExit as exit:
        print(f"<<< exit {exit.code or 0}", flush=True)
print("tensorflow imported" if "tensorflow" in sys.modules else "tensorflow not imported", flush=True)
"""


def deeptoolkit_commands(commands, **environment):
    """(all it printed, {command: [exit status, its lines]}, whether TensorFlow was imported) of
    `commands` run one after another in one fresh process, with the user's noisiest setting for
    TensorFlow's log."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "0", **environment}
    env.pop(quiet_start.VERBOSE_VARIABLE, None)
    stdin = "\n".join("\0".join(map(str, command)) for command in commands)
    done = subprocess.run([sys.executable, "-c", DRIVER], input=stdin, capture_output=True, text=True, env=env, timeout=600)
    output = done.stdout + done.stderr
    results, current = {}, None
    for line in done.stdout.splitlines():
        if line.startswith(">>> "):
            current = line[4:]
            results[current] = [None, []]
        elif line.startswith("<<< exit ") and current:
            results[current][0] = int(line[9:])
        elif current:
            results[current][1].append(line)
    imported = done.stdout.rstrip().splitlines()[-1] == "tensorflow imported"
    return output, results, imported


def test_help_listing_and_download_commands_neither_import_tensorflow_nor_log(tmp_path):
    commands = [["--help"], ["data", "list"], ["data", "get", "tinyshakespeare"], ["serve", "--help"], ["export", "--help"]]
    for task in registry.TASKS:
        commands += [[task, "--help"], [task, "train", "--help"], [task, "predict", "--help"]]
    # A closed port on this machine stands for a machine without a network.
    output, results, imported = deeptoolkit_commands(commands, DEEPTOOLKIT_DATA=str(tmp_path / "cache"),
                                                     DEEPTOOLKIT_DATA_MIRROR="http://127.0.0.1:9")
    assert not imported, output
    assert_no_log_lines(output)
    assert len(results) == len(commands) and all(code == 0 for name, (code, _) in results.items() if "get" not in name), output
    code, lines = results["data get tinyshakespeare"]
    assert code == 1 and 1 <= len(lines) <= 2, lines
    assert "http://127.0.0.1:9/" in lines[0] and "DEEPTOOLKIT_DATA_MIRROR" in " ".join(lines)


def test_every_task_command_on_a_saved_model_is_quiet(tmp_path):
    from deeptoolkit.data import shape_scenes, synthetic_faces

    digit = write_image(tmp_path / "digit.png", np.random.default_rng(0).integers(0, 255, (8, 8)))
    scene = write_image(tmp_path / "scene.png", shape_scenes.generate_scenes(1, seed=7)[0][0])
    faces, _ = synthetic_faces.photos(synthetic_faces.people(1, seed=5), 2, seed=5)
    face_a, face_b = (write_image(tmp_path / f"face{i}.png", face) for i, face in enumerate(faces))
    story = tmp_path / "story.txt"
    story.write_text("frodo took the ring .\nfrodo went to the shire .\n")
    model = {name: os.path.join(LEGACY, name.replace("-", "_") + ".dtk") for name in registry.TASKS}
    commands = [
        ["info", "--json"],
        ["image-classifier", "train", "--epochs", 1, "--out", tmp_path / "run"],
        ["image-classifier", "predict", model["image-classifier"], digit],
        ["image-classifier", "evaluate", model["image-classifier"], "--json"],
        ["char-rnn", "generate", model["char-rnn"], "--prime", "the ", "--length", 10],
        ["translator", "translate", model["translator"], "we see the red cars ."],
        ["captioner", "caption", model["captioner"], scene],
        ["face-verifier", "verify", model["face-verifier"], face_a, face_b],
        ["memnn", "answer", model["memnn"], "--story", story, "where is the ring ?"],
    ]
    output, results, imported = deeptoolkit_commands(commands)
    assert_no_log_lines(output)
    assert len(results) == len(commands) and all(code == 0 for code, _ in results.values()), output
    assert imported
    assert json.loads(results["info --json"][1][0])["tensorflow"]
    answers = [lines[0] for name, (_, lines) in results.items() if name.split()[1] in ("translate", "caption", "answer")]
    assert all(answer.strip() for answer in answers), output


def test_a_gpu_that_tensorflow_cannot_use_is_said_once_in_our_words(tmp_path):
    (tmp_path / "nvidia0").write_text("")
    devices = quiet_start.gpu_device_files([str(tmp_path / "nvidia[0-9]*")])
    assert devices == [str(tmp_path / "nvidia0")]
    message = quiet_start.unusable_gpu_message(devices, [])
    assert devices[0] in message and "CPU" in message and "\n" not in message
    assert quiet_start.unusable_gpu_message(devices, ["/physical_device:GPU:0"]) is None
    assert quiet_start.unusable_gpu_message([], []) is None


def test_the_debugging_switch_leaves_tensorflow_its_log():
    check = "import deeptoolkit, sys; print([type(finder).__name__ for finder in sys.meta_path])"
    quiet, debugging = (subprocess.run([sys.executable, "-c", check], capture_output=True, text=True,
                                       env={**os.environ, quiet_start.VERBOSE_VARIABLE: setting}).stdout for setting in ("0", "1"))
    assert "_QuietTensorFlowFinder" in quiet and "_QuietTensorFlowFinder" not in debugging
