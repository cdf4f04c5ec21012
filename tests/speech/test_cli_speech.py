"""`deeptoolkit speech train|evaluate|predict|transcribe|inspect`, made from the task's declaration."""

import json

import numpy as np

from tests import cli_helpers
from tests.cli_helpers import one_line_error
from tests.speech import sounds


def test_train_predict_transcribe_inspect_evaluate(tmp_path):
    data = tmp_path / "words"
    data.mkdir()
    sounds.word_folder(data, per_word=4)
    out = tmp_path / "run"
    result = cli_helpers.run("speech", "train", "--data", data, "--epochs", 2, "--n-mels", 16, "--width", 1, "--seed", 0,
                             "--out", out)
    assert result.exit_code == 0, result.output
    assert "held-out validation accuracy" in result.output and (out / "model.dtk").is_file()

    clip = str(data / "ee_1.wav")
    result = cli_helpers.run("speech", "predict", out, clip, "--top-k", 2)
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0].split("\t")
    import deeptoolkit

    model = deeptoolkit.load(out)
    assert first[0] == clip and len(first) == 5 and first[1] == model.predict(clip)[0]["transcript"]

    result = cli_helpers.run("speech", "transcribe", out, data)
    assert result.exit_code == 0 and len(result.output.splitlines()) == 12
    files = sorted(str(p) for p in data.glob("*.wav"))
    assert [line.split("\t")[-1] for line in result.output.splitlines()] == model.transcribe(files)

    figure = tmp_path / "clip.png"
    result = cli_helpers.run("speech", "inspect", out, clip, "--out", figure)
    assert result.exit_code == 0, result.output
    assert f"wrote {figure}" in result.output and figure.stat().st_size > 10_000
    assert json.loads(result.output[result.output.index("{"):])["words"]

    result = cli_helpers.run("speech", "evaluate", out / "model.dtk", "--data", data, "--json", "--plots", tmp_path / "plots")
    assert result.exit_code == 0, result.output
    metrics = json.loads(next(line for line in result.output.splitlines() if line.startswith("{")))
    assert metrics["examples"] == 12 and set(metrics["per_label"]) == set(sounds.WORDS)
    assert (tmp_path / "plots" / "confusion_matrix.png").is_file()

    notes = tmp_path / "notes.wav"
    notes.write_text("not a recording")
    one_line_error(cli_helpers.run("speech", "predict", out, notes), "Not a readable audio file", "notes.wav")
    silent = sounds.write(tmp_path / "hush.wav", np.zeros(8000))
    one_line_error(cli_helpers.run("speech", "predict", out, silent), "is silent")
    one_line_error(cli_helpers.run("speech", "predict", out, tmp_path / "plots"), "Expected WAV files in the folder")


def test_help_names_the_data_it_reads():
    result = cli_helpers.run("speech", "train", "--help")
    assert result.exit_code == 0 and "manifest" in result.output and "--spec-augment / --no-spec-augment" in result.output
    assert "--mode [auto|words|sequences]" in result.output
