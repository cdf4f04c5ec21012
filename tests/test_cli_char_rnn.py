import json

from tests.cli_helpers import one_line_error, run

TEXT = "to be or not to be, that is the question.\n" * 40


def test_train_evaluate_predict_generate(tmp_path):
    data = tmp_path / "hamlet.txt"
    data.write_text(TEXT)
    out = tmp_path / "run"
    result = run("char-rnn", "train", "--data", data, "--epochs", 2, "--units", 24, "--layers", 1, "--sequence-length", 16,
                 "--seed", 0, "--out", out)
    assert result.exit_code == 0, result.output
    assert "sample after epoch 2" in result.output and "held-out validation loss" in result.output

    result = run("char-rnn", "evaluate", out, "--json")
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output.splitlines()[-1])
    assert {"loss", "bits_per_character", "perplexity"} <= set(metrics)

    result = run("char-rnn", "predict", out, "to be or not to b")
    assert result.exit_code == 0 and result.output.startswith("to be or not to b\t"), result.output

    first = run("char-rnn", "generate", out, "--prime", "to be", "--length", 40, "--temperature", 0.8, "--seed", 1)
    again = run("char-rnn", "generate", out, "--prime", "to be", "--length", 40, "--temperature", 0.8, "--seed", 1)
    assert first.exit_code == 0 and first.output == again.output and first.output.startswith("to be")
    assert len(first.output) == len("to be") + 40 + 1

    one_line_error(run("char-rnn", "generate", out, "--temperature", -1), "temperature must be a number >= 0")
    one_line_error(run("char-rnn", "generate", out, "--length", -5), "length must be an integer >= 0")


def test_bad_data_is_one_line(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    one_line_error(run("char-rnn", "train", "--data", empty, "--out", tmp_path / "run"), "empty file")
    one_line_error(run("char-rnn", "train", "--data", tmp_path / "nope.txt"), "No such text file")
    one_line_error(run("char-rnn", "generate", tmp_path / "missing.dtk"), "missing.dtk")


def test_a_word_model_trains_and_maps_its_words(tmp_path):
    from tests.tasks.test_word_rnn import planted_corpus

    data = tmp_path / "planted.txt"
    data.write_text(planted_corpus(600, 0))
    out = tmp_path / "run"
    result = run("char-rnn", "train", "--unit", "word", "--data", data, "--epochs", 1, "--units", 16, "--layers", 1,
                 "--sequence-length", 10, "--seed", 0, "--out", out)
    assert result.exit_code == 0, result.output
    assert "nats/word" in result.output and "perplexity" in result.output
    result = run("char-rnn", "map", out, "--out", tmp_path / "words.png", "--words", 20, "--nearest", "monday")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "words.png").stat().st_size > 10_000 and result.output.splitlines()[1].startswith("monday\t")
    one_line_error(run("char-rnn", "map", out, "--nearest", "zebra", "--out", tmp_path / "w.png"), "'zebra' is not in")


def test_map_refuses_a_character_model(tmp_path):
    data = tmp_path / "hamlet.txt"
    data.write_text(TEXT)
    out = tmp_path / "run"
    assert run("char-rnn", "train", "--data", data, "--epochs", 1, "--units", 8, "--layers", 1, "--sequence-length", 16,
               "--out", out).exit_code == 0
    one_line_error(run("char-rnn", "map", out, "--out", tmp_path / "w.png"), "unit='word'")
