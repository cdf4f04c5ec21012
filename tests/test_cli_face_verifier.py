import json

import pytest
from PIL import Image

from deeptoolkit import load
from deeptoolkit.data import synthetic_faces
from tests.cli_helpers import one_line_error, run


@pytest.fixture(scope="module")
def people_folder(tmp_path_factory):
    """An ORL-style folder (s1/1.pgm ...) of 12 generated people, 6 photos each."""
    root = tmp_path_factory.mktemp("people")
    images, labels, _ = synthetic_faces.synthetic_faces()
    for person in range(12):
        (root / f"s{person + 1}").mkdir()
        for n in range(6):
            Image.fromarray(images[person * 10 + n, ..., 0]).save(root / f"s{person + 1}" / f"{n + 1}.pgm")
    return root


def test_train_evaluate_verify_predict(people_folder, tmp_path):
    out, plots = tmp_path / "run", tmp_path / "plots"
    result = run("face-verifier", "train", "--data", people_folder, "--people", "s1-s10", "--epochs", 2, "--depth", 8,
                 "--erasing", 0.5, "--seed", 0, "--out", out, "--plots", plots)
    assert result.exit_code == 0, result.output
    assert load(out / "model.dtk").config["erasing"] == 0.5
    assert "calibrated threshold:" in result.output and "10-fold accuracy" in result.output
    assert (plots / "roc.png").exists() and (plots / "distances.png").exists()

    result = run("face-verifier", "evaluate", out, "--data", people_folder, "--people", "s11-s12", "--json")
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output.splitlines()[-1])
    assert metrics["people"] == 2 and metrics["genuine_pairs"] == 30 and 0 <= metrics["auc"] <= 1

    a, b = people_folder / "s11" / "1.pgm", people_folder / "s11" / "2.pgm"
    result = run("face-verifier", "verify", out, a, b, "--json")
    assert result.exit_code == 0, result.output
    verdict = json.loads(result.output)
    assert verdict["same"] == (verdict["distance"] <= verdict["threshold"])
    result = run("face-verifier", "verify", out, a, b, "--threshold", 1.5)
    assert result.output.splitlines()[0] == ("same" if verdict["distance"] <= 1.5 else "different")
    assert "threshold 1.5000" in result.output
    result = run("face-verifier", "verify", out, a, b, "--show", tmp_path / "pair.png")
    assert result.exit_code == 0 and (tmp_path / "pair.png").stat().st_size > 10_000, result.output

    recalibrated = tmp_path / "recalibrated.dtk"
    result = run("face-verifier", "calibrate", out, "--data", people_folder, "--people", "s11-s12", "--out", recalibrated)
    assert result.exit_code == 0 and "threshold" in result.output and "saved" in result.output, result.output
    assert load(recalibrated).state["calibrated_on"]["people"] == 2
    assert load(out / "model.dtk").threshold != load(recalibrated).threshold  # --out leaves MODEL as it was
    one_line_error(run("face-verifier", "calibrate", out, "--data", people_folder, "--people", "s11"), "at least two people")
    one_line_error(run("face-verifier", "calibrate", out, "--data", tmp_path / "nowhere"), "Data path does not exist")

    result = run("face-verifier", "predict", out, a, b, "--output", tmp_path / "e.npy")
    assert result.exit_code == 0 and "2 x 128" in result.output, result.output
    result = run("face-verifier", "identify", out, a, "--gallery", people_folder, "--top-k", 3)
    assert result.exit_code == 0 and len(result.output.splitlines()) == 3, result.output

    one_line_error(run("face-verifier", "verify", out, a, b, "--threshold", 2.5), "threshold must be a distance")
    one_line_error(run("face-verifier", "verify", out, a, tmp_path / "nobody.png"), "Image file does not exist")
    one_line_error(run("face-verifier", "evaluate", out, "--data", people_folder, "--people", "s40"), "No such people")
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("1 1\ns11 1 2\ns11 1 s99 1\n")
    one_line_error(run("face-verifier", "evaluate", out, "--data", people_folder, "--pairs", pairs), "pair 2 names person 's99'")


def test_train_with_face_detection(people_folder, tmp_path):
    result = run("face-verifier", "train", "--data", people_folder, "--people", "s1-s8", "--epochs", 1, "--depth", 8,
                 "--detect", "opencv", "--seed", 0, "--out", tmp_path / "run")
    assert result.exit_code == 0, result.output
    assert load(tmp_path / "run" / "model.dtk").config["detect"] == "opencv"
    result = run("face-verifier", "train", "--detect", "dlib", "--out", tmp_path / "other")
    assert result.exit_code == 2 and "'dlib' is not one of" in result.output and "Traceback" not in result.output


def test_bad_training_data_is_one_line(tmp_path):
    one_line_error(run("face-verifier", "train", "--data", tmp_path / "missing", "--out", tmp_path / "run"),
                   "Data path does not exist")
