import json

from deeptoolkit.data import phrasebook
from tests.cli_helpers import one_line_error, run


def test_train_evaluate_predict_translate(tmp_path):
    data = tmp_path / "pairs.txt"
    data.write_text("".join(f"{en}\t{fr}\tCC-BY\n" for en, fr in phrasebook.generate_pairs(600, seed=0)), encoding="utf-8")
    out = tmp_path / "run"
    result = run("translator", "train", "--data", data, "--epochs", 2, "--units", 32, "--seed", 0, "--out", out)
    assert result.exit_code == 0, result.output
    assert "held-out validation BLEU-4" in result.output

    result = run("translator", "evaluate", out, "--beam", 2, "--json")
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output.splitlines()[-1])
    assert 0 <= metrics["bleu4"] <= 1 and metrics["beam"] == 2 and metrics["pairs"] == 60

    sentences = tmp_path / "sentences.txt"
    sentences.write_text("i like the cat .\nwe see the red car .\n")
    result = run("translator", "predict", out, sentences)
    assert result.exit_code == 0 and len(result.output.splitlines()) == 2, result.output

    result = run("translator", "translate", out, "i like the cat .", "--beam", 3, "--attention-map", tmp_path / "map.png")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1] == f"wrote {tmp_path / 'map.png'}"

    one_line_error(run("translator", "translate", out, "   "), "a sentence with words in it")

    sentences.write_text("i like the cat .\nwe see the red car .\nwe like the cat .\n")
    result = run("translator", "map", out, sentences, "--out", tmp_path / "phrases.png", "--nearest", 1)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "phrases.png").stat().st_size > 10_000 and len(result.output.splitlines()) == 4
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    one_line_error(run("translator", "map", out, empty), "empty file")


def test_bad_pairs_file_is_one_line(tmp_path):
    data = tmp_path / "fra.txt"
    data.write_text("Go.\tVa !\nno tab on this line\n", encoding="utf-8")
    one_line_error(run("translator", "train", "--data", data, "--out", tmp_path / "run"), "fra.txt:2: expected source<TAB>target")
