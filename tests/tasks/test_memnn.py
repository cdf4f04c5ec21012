import numpy as np
import pytest

import deeptoolkit
from deeptoolkit import MemNN
from deeptoolkit.data.story_world import generate_babi_lines
from deeptoolkit.errors import DeeptoolkitError, NotFittedError

STORY = "bilbo travelled to the cave .\nfrodo got the ring .\nfrodo journeyed to mount-doom .\nbilbo went back to the shire ."
QUICK = dict(epochs=8, batch_size=32, linear_start=0, patience=0, seed=0, dim=32)


def write_stories(path, questions, seed):
    path.write_text("\n".join(generate_babi_lines(questions, seed=seed)) + "\n")
    return path


@pytest.fixture(scope="module")
def story_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stories")
    return write_stories(folder / "qa0_stories_train.txt", 3000, 0), write_stories(folder / "qa0_stories_test.txt", 500, 1)


@pytest.fixture(scope="module")
def reader(story_files):
    reader = MemNN(**QUICK)
    reader.fit(str(story_files[0]), verbose=0)
    return reader


def test_training_on_generated_stories_learns(reader):
    assert reader.history["loss"][-1] < reader.history["loss"][0] * 0.6
    metrics = reader.evaluate()
    assert metrics["split"] == "test" and metrics["questions"] == 500
    # A story mentions 3 to 6 places, so guessing one of them scores about 0.25.
    assert metrics["accuracy"] > 0.6
    assert metrics["per_task"]["qa0_stories"]["error"] == pytest.approx(metrics["error"])


def test_answer_returns_the_answer_and_attention_per_hop(reader):
    result = reader.answer(STORY, "where is bilbo now ?", top=2)
    assert result["answer"] in reader.encoding.answers and 0 < result["probability"] <= 1
    assert len(result["hops"]) == 3 and all(len(hop) == 2 for hop in result["hops"])
    first = result["hops"][0]
    assert first[0]["weight"] >= first[1]["weight"] and first[0]["sentence"] in STORY.splitlines()
    assert result["unknown_words"] == []
    attention = np.array(result["attention"])
    assert attention.shape == (3, 4) and np.allclose(attention.sum(axis=1), 1.0, atol=1e-5)
    assert result["sentences"][int(attention[0].argmax())] == first[0]["sentence"]


def test_unknown_words_are_read_as_unknown_and_reported(reader):
    result = reader.answer(STORY + "\nsmaug flew to erebor .", "where is smaug ?")
    assert result["unknown_words"] == ["erebor", "flew", "smaug"]


def test_long_questions_are_cut_with_a_warning(reader, caplog):
    question = "where is " + " ".join(["bilbo"] * 40) + " ?"
    result = reader.answer(STORY, question)
    assert result["truncated"] == 1 and "cut" in caplog.text


def test_predict_answers_a_babi_file_and_pairs(reader, story_files):
    answers = reader.predict(str(story_files[1]))
    assert len(answers) == 500 and set(answers) <= set(reader.encoding.answers)
    assert reader.predict([(STORY, "where is frodo ?")]) == [reader.answer(STORY, "where is frodo ?")["answer"]]


def test_save_then_load_gives_identical_answers(reader, tmp_path):
    loaded = deeptoolkit.load(reader.save(tmp_path / "memnn.dtk"))
    assert type(loaded) is MemNN
    for question in ("where is bilbo ?", "where is the ring ?", "where is frodo now ?"):
        before, after = reader.answer(STORY, question), loaded.answer(STORY, question)
        assert before["answer"] == after["answer"]
        np.testing.assert_allclose(before["probability"], after["probability"], rtol=1e-6)
        assert before["hops"] == after["hops"]


def test_an_answer_outside_the_training_answers_names_the_file_and_line(reader, tmp_path):
    path = tmp_path / "odd_test.txt"
    path.write_text("1 bilbo went to the moon .\n2 where is bilbo ?\tmoon\t1\n")
    with pytest.raises(DeeptoolkitError, match="odd_test.txt:2.*'moon'"):
        reader.evaluate(str(path))
    scored = reader.evaluate(str(path), unseen_answers="wrong")
    assert scored["accuracy"] == 0.0 and scored["unseen_answers"] == 1


def test_answer_before_fit_is_a_clear_error():
    with pytest.raises(NotFittedError):
        MemNN().answer(STORY, "where is bilbo ?")


def test_empty_story_or_question_is_refused(reader):
    with pytest.raises(DeeptoolkitError, match="empty story"):
        reader.answer("  \n ", "where is bilbo ?")
    with pytest.raises(DeeptoolkitError, match="question"):
        reader.answer(STORY, " ? ")


def test_linear_start_switches_the_softmax_back_on(story_files):
    reader = MemNN(**dict(QUICK, epochs=3, linear_start=2))
    reader.fit(str(story_files[0]), verbose=0)
    assert float(reader.model.get_layer("memory").softmax_on.numpy()) == 1.0


def test_restarts_keep_the_run_with_the_lowest_validation_loss(story_files):
    single = [MemNN(**dict(QUICK, epochs=2, seed=seed)) for seed in (0, 1000)]
    for reader in single:
        reader.fit(str(story_files[0]), verbose=0)
    restarted = MemNN(**dict(QUICK, epochs=2, restarts=2))
    restarted.fit(str(story_files[0]), verbose=0)
    best = min(single, key=lambda r: min(r.history["val_loss"]))
    assert restarted.history == best.history
    assert restarted.config["seed"] == 0


@pytest.mark.parametrize("config, name", [({"hops": 0}, "hops="), ({"restarts": 0}, "restarts="), ({"validation_split": 1.5}, "validation_split=")])
def test_bad_config_is_refused_at_fit(config, name):
    with pytest.raises(DeeptoolkitError, match=name):
        MemNN(**config).fit()
