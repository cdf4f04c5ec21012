import json

import numpy as np
import pytest

from tests import cli_helpers
from tests.conftest import write_image


@pytest.fixture
def run():
    return cli_helpers.run


def _one_line_error(result, *fragments):
    assert result.exit_code == 1, result.output  # bad input; 70 is kept for the toolkit's own bugs
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(lines) == 1, result.output
    for fragment in fragments:
        assert fragment in lines[0]


def test_train_evaluate_predict_end_to_end(run, tmp_path, digits):
    out = tmp_path / "run"
    plots = tmp_path / "plots"
    result = run("image-classifier", "train", "--epochs", 3, "--seed", 0, "--out", out, "--plots", plots)
    assert result.exit_code == 0, result.output
    assert (out / "model.dtk").is_file() and "held-out test accuracy" in result.output
    assert (plots / "training_curves.png").stat().st_size > 1000
    assert (plots / "confusion_matrix.png").stat().st_size > 1000
    assert not (out / "checkpoints" / "backup").exists()

    result = run("image-classifier", "evaluate", out / "model.dtk", "--json")
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output.strip().splitlines()[-1])
    assert metrics["accuracy"] > 0.5 and metrics["examples"] == 360

    image = write_image(tmp_path / "seven.png", digits.test.images[0] * 255 / 16)
    result = run("image-classifier", "predict", out, image, "--top-k", 2)
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0].split("\t")
    import deeptoolkit

    assert first[0] == image and len(first) == 5 and first[1] == deeptoolkit.load(out).predict(image)[0]["label"]


def test_info_names_precision_and_versions(run):
    from deeptoolkit import runtime

    result = run("info", "--json")
    assert result.exit_code == 0, result.output
    facts = json.loads(result.output)
    assert facts["precision_auto"] == runtime.resolve_precision("auto") and facts["tensorflow"]


def test_missing_data_path_is_one_line(run, tmp_path):
    _one_line_error(run("image-classifier", "train", "--data", tmp_path / "nope", "--out", tmp_path / "o"), "does not exist")


def test_empty_folder_is_one_line(run, tmp_path):
    (tmp_path / "empty").mkdir()
    _one_line_error(run("image-classifier", "train", "--data", tmp_path / "empty", "--out", tmp_path / "o"), "no sub-folders")


def test_not_a_model_is_one_line(run, tmp_path):
    bogus = tmp_path / "model.dtk"
    bogus.write_text("hello")
    _one_line_error(run("image-classifier", "evaluate", bogus), "Not a deeptoolkit model")
    _one_line_error(run("image-classifier", "predict", tmp_path / "absent.dtk", bogus), "No saved model found")


def test_a_colour_image_is_read_as_grey_and_a_broken_one_is_one_line(run, saved_classifier, tmp_path):
    colour = write_image(tmp_path / "colour.png", np.zeros((8, 8, 3)))
    assert run("image-classifier", "predict", saved_classifier, colour).exit_code == 0
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a picture")
    _one_line_error(run("image-classifier", "predict", saved_classifier, broken), "broken.png", "Not a readable image")


def test_bad_option_values_are_refused_by_click(run):
    result = run("image-classifier", "train", "--epochs", 0)
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_an_unexpected_error_points_to_a_bug_report_and_saves_the_traceback(run, monkeypatch):
    from deeptoolkit import runtime

    def broken():
        raise RuntimeError("something inside broke")

    monkeypatch.setattr(runtime, "describe", broken)
    result = run("info")
    assert result.exit_code == 70 and "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and "unexpected RuntimeError: something inside broke" in errors[0] and "bug" in errors[0]
    path = errors[0].split("saved in ")[1].split(" and the output")[0]
    with open(path, encoding="utf-8") as saved:
        text = saved.read()
    assert "Traceback" in text and "something inside broke" in text and "in broken" in text


def test_a_diverged_run_is_a_one_line_error(run, monkeypatch, tmp_path):
    from deeptoolkit.errors import TrainingDivergedError
    from deeptoolkit.tasks.base import Task

    def diverge(self, *args, **kwargs):
        raise TrainingDivergedError("Training stopped: the loss became nan at epoch 3, step 7.")

    monkeypatch.setattr(Task, "fit", diverge)
    result = run("image-classifier", "train", "--out", tmp_path / "run")
    _one_line_error(result, "epoch 3, step 7")
    assert result.exit_code == 1


@pytest.mark.parametrize("raised, exit_code", [
    (lambda: __import__("deeptoolkit").DeeptoolkitError("Expected a folder. Received: data='x'"), 1),
    (lambda: FileNotFoundError(2, "No such file or directory", "missing.png"), 1),
    (lambda: KeyError("class_names"), 70),
    (lambda: ZeroDivisionError("division by zero"), 70),
])
def test_bad_input_exits_1_and_a_bug_exits_70_from_every_task_command(run, monkeypatch, tmp_path, raised, exit_code):
    from deeptoolkit import registry
    from deeptoolkit.tasks.base import Task

    def fail(*args, **kwargs):
        raise raised()

    monkeypatch.setattr(Task, "fit", fail)
    monkeypatch.setattr(Task, "load", classmethod(fail))
    for name in registry.TASKS:
        for command in (["train", "--out", tmp_path / name], ["evaluate", tmp_path / "model.dtk"]):
            result = run(name, *command)
            assert result.exit_code == exit_code and "Traceback" not in result.output, (name, command, result.output)
            errors = [line for line in result.output.splitlines() if line.startswith("Error")]
            assert len(errors) == 1 and ("This is a bug in deeptoolkit" in errors[0]) == (exit_code == 70), result.output


def test_inspect_draws_the_feature_maps_of_an_image(run, saved_classifier, tmp_path, digits):
    image = write_image(tmp_path / "digit.png", digits.test.images[0] * 255 / 16)
    result = run("image-classifier", "inspect", saved_classifier, image, "--out", tmp_path / "maps.png")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "maps.png").stat().st_size > 10_000
    assert [line.split("\t")[0] for line in result.output.splitlines()[1:]] == ["c1", "s2", "c3", "s4"]


def test_inspect_refuses_a_model_of_another_task_and_a_wrong_image(run, saved_classifier, tmp_path):
    from deeptoolkit import MemNN
    from deeptoolkit.data.story_world import generate_babi_lines

    stories = tmp_path / "qa0_stories_train.txt"
    stories.write_text("\n".join(generate_babi_lines(50, seed=0)) + "\n")
    reader = MemNN(epochs=1, dim=8, validation_split=0.0).fit(str(stories), verbose=0)
    image = write_image(tmp_path / "digit.png", np.zeros((8, 8), "uint8"))
    _one_line_error(run("image-classifier", "inspect", reader.save(tmp_path / "reader.dtk"), image), "MemNN")
    _one_line_error(run("image-classifier", "inspect", saved_classifier, tmp_path / "none.png"), "none.png", "does not exist")


def test_the_old_top_option_still_works(run):
    import os

    from tests.serve.conftest import LEGACY

    result = run("char-rnn", "predict", os.path.join(LEGACY, "char_rnn.dtk"), "the ", "--top", 2)
    assert result.exit_code == 0 and len(result.output.splitlines()[-1].split("\t")) == 1 + 2 * 2, result.output
    assert "deprecated" in result.output.lower()
