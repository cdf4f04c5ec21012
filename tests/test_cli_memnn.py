import json

from deeptoolkit.data.story_world import generate_babi_lines
from deeptoolkit.saving import read_meta
from tests.cli_helpers import one_line_error, run


def test_train_evaluate_predict_answer(tmp_path):
    train = tmp_path / "qa0_stories_train.txt"
    train.write_text("\n".join(generate_babi_lines(1500, seed=0)) + "\n")
    (tmp_path / "qa0_stories_test.txt").write_text("\n".join(generate_babi_lines(200, seed=1)) + "\n")
    out = tmp_path / "run"
    result = run("memnn", "train", "--data", train, "--epochs", 3, "--dim", 20, "--tying", "layerwise", "--seed", 0,
                 "--restarts", 2, "--average-restarts", "--out", out)
    assert result.exit_code == 0, result.output
    assert "held-out test accuracy" in result.output
    meta = read_meta(out)
    assert meta["config"]["tying"] == "layerwise" and meta["state"]["average"]["runs"] == 2

    result = run("memnn", "evaluate", out, "--json")
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output.splitlines()[-1])
    assert metrics["questions"] == 200 and "accuracy" in metrics and "qa0_stories" in metrics["per_task"]

    result = run("memnn", "predict", out, tmp_path / "qa0_stories_test.txt")
    assert result.exit_code == 0 and len(result.output.splitlines()) == 200

    story = tmp_path / "story.txt"
    story.write_text("bilbo travelled to the cave .\nsmaug flew away .\n")
    result = run("memnn", "answer", out, "--story", story, "where is bilbo ?", "--attention-map", tmp_path / "map.png")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "map.png").stat().st_size > 1000
    lines = result.output.splitlines()
    assert lines[0] and " " not in lines[0]  # the answer alone on the first line
    assert any(line.startswith("note: words unknown") and "smaug" in line for line in lines)
    assert sum(line.startswith("hop ") for line in lines) == 3


def test_bad_story_files_are_one_line_errors(tmp_path):
    empty = tmp_path / "empty_train.txt"
    empty.write_text("")
    one_line_error(run("memnn", "train", "--data", empty, "--out", tmp_path / "o"), "empty file")
    no_question = tmp_path / "quiet_train.txt"
    no_question.write_text("1 bilbo went to the cave.\n")
    one_line_error(run("memnn", "train", "--data", no_question, "--out", tmp_path / "o"), "quiet_train.txt")
    malformed = tmp_path / "bad_train.txt"
    malformed.write_text("1 bilbo went to the cave.\nx where is bilbo?\tcave\t1\n")
    one_line_error(run("memnn", "train", "--data", malformed, "--out", tmp_path / "o"), "bad_train.txt:2")
    one_line_error(run("memnn", "train", "--data", tmp_path / "missing.txt", "--out", tmp_path / "o"), "does not exist")
