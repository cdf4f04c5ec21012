import os

import keras
import numpy as np
import pytest

import deeptoolkit
from deeptoolkit import MemNN
from deeptoolkit.data.babi import parse_babi, read_babi_file, tokenize
from deeptoolkit.data.story_world import (
    DROPS,
    KINDS,
    MOVES,
    REVIEW_STORY,
    generate_babi_lines,
    question_kind,
)
from deeptoolkit.data.story_questions import STORIES, Questions
from deeptoolkit.errors import DeeptoolkitError, NotFittedError
from deeptoolkit.models.memn2n import LinearStart, memn2n, with_attention
from deeptoolkit.tasks.memnn import STORIES_EPOCHS
from tests.conftest import without_gpu

STORY = "bilbo travelled to the cave .\nfrodo got the ring .\nfrodo journeyed to mount-doom .\nbilbo went back to the shire ."
QUICK = dict(epochs=8, batch_size=32, linear_start=0, patience=0, seed=0, dim=32, learning_rate=0.01)
# Tests of which runs are kept (restarts), and the fresh reader fine-tuning is compared with, leave
# out XLA: its compile per run costs a few seconds on two cores.
# At the rate of 0.005 a rerun repeats a run up to round-off; at 0.01 threaded sums' round-off
# grows into different runs, which comparisons of identical runs cannot tell from a bug.
RESTARTS = dict(QUICK, jit_compile=False, learning_rate=0.005)


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
    kinds = metrics["per_kind"]
    assert set(kinds) <= set(KINDS) and {"person", "object carried", "object dropped, carrier moved on"} <= set(kinds)
    assert sum(k["questions"] for k in kinds.values()) == 500
    assert sum(k["accuracy"] * k["questions"] for k in kinds.values()) == pytest.approx(metrics["accuracy"] * 500)


def one_kind_file(path, kind, questions, seed):
    """A bAbI file of the generated questions of one kind, each with its story."""
    lines = []
    for q in parse_babi(generate_babi_lines(questions, seed=seed), "generated"):
        if question_kind(q.story, q.question) == kind:
            lines += [f"{i + 1} {' '.join(sentence)} ." for i, sentence in enumerate(q.story)]
            lines.append(f"{len(q.story) + 1} {' '.join(q.question)} ?\t{q.answer}\t{' '.join(str(i + 1) for i in q.supporting)}")
    path.write_text("\n".join(lines) + "\n")
    return path


def carrier_now(story, thing):
    """Where the last one to drop `thing` went afterwards: the wrong answer the review's ring got."""
    dropper, place = None, None
    for sentence in story:
        if sentence[-2:] == [thing, "there"] and sentence[1] in {verb.split()[0] for verb in DROPS}:
            dropper, place = sentence[0], None
        elif dropper and sentence[0] == dropper and sentence[-1] != "died":
            place = sentence[-1] if " ".join(sentence[1:]).startswith(MOVES) else place
    return place


def test_where_an_object_was_dropped_after_its_carrier_moved_on(tmp_path):
    # The review's ring: trained on that kind of question alone, a small reader answers where
    # the object was dropped, not where its carrier went next (about 0.25 by guessing).
    kind = "object dropped, carrier moved on"
    train = one_kind_file(tmp_path / "qa0_moved_train.txt", kind, 40_000, seed=0)
    test = one_kind_file(tmp_path / "qa0_moved_test.txt", kind, 4_000, seed=1)
    reader = MemNN(**dict(QUICK, learning_rate=0.02))
    reader.fit(str(train), verbose=0)
    scores = reader.evaluate()
    assert list(scores["per_kind"]) == [kind] and scores["questions"] > 300
    questions = read_babi_file(str(test))
    answers = reader.predict(str(test))
    right = sum(a == q.answer for a, q in zip(answers, questions, strict=True))
    misled = sum(a == carrier_now(q.story, q.question[3]) != q.answer for a, q in zip(answers, questions, strict=True))
    assert scores["accuracy"] > 0.45 and right > 2 * misled, (scores["accuracy"], right, misled)


def test_question_kinds_follow_the_story():
    story = [tokenize(line) for line in REVIEW_STORY.splitlines()]
    assert question_kind(story, tokenize("where is the ring ?")) == "object dropped, carrier moved on"
    assert question_kind(story[:7], tokenize("where is the ring ?")) == "object carried"
    assert question_kind(story[:5], tokenize("where is the ring ?")) == "object dropped, carrier stayed"
    assert question_kind(story, tokenize("where is frodo now ?")) == "person"
    assert question_kind(story + [["frodo", "took", "the", "ring"], ["frodo", "died"]], tokenize("where is the ring ?")) == \
        "object left by the dead"
    assert question_kind(story, tokenize("where was the ring before the shire ?")) is None


def test_answer_returns_the_answer_and_attention_per_hop(reader):
    result = reader.answer(STORY, "where is bilbo now ?", top=2)
    assert result["answer"] == reader.predict([(STORY, "where is bilbo now ?")])[0] and 0 < result["probability"] <= 1
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
    from deeptoolkit.data.babi import read_babi_file

    answers, questions = reader.predict(str(story_files[1])), read_babi_file(str(story_files[1]))
    assert len(answers) == len(questions) == 500
    right = sum(answer == question.answer for answer, question in zip(answers, questions, strict=True))
    assert right / 500 == pytest.approx(reader.evaluate(str(story_files[1]))["accuracy"], abs=1e-6)
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


def test_answers_that_are_words_are_read_through_the_last_output_embedding():
    # Adjacent tying: W^T = C^K. Zeroing a word's row of C^K must zero its answer's logit;
    # an answer that is not a word ("yes") keeps a vector of its own.
    model = memn2n(vocab_size=6, answer_words=[3, 0], memory_size=4, sentence_length=5, dim=8)
    hops = model.get_layer("memory")
    story = np.array([[[2, 3, 4, 0, 0], [5, 2, 0, 0, 0], [0] * 5, [0] * 5]], "int32")
    question = np.array([[2, 4, 0, 0, 0]], "int32")
    logits = lambda: np.asarray(hops([story, question])[0])  # noqa: E731
    assert logits().shape == (1, 2) and np.all(logits() != 0)
    last = hops.embeddings[3]
    last.assign(np.where(np.arange(6)[:, None] == 3, 0.0, last.numpy()))
    assert logits()[0, 0] == 0.0 and logits()[0, 1] != 0.0
    hops.answer_free.assign(np.zeros_like(hops.answer_free.numpy()))
    assert logits()[0, 1] == 0.0


def test_layerwise_tying_shares_one_input_and_one_output_embedding_across_hops():
    # With B = A = C = M, one temporal encoding T and H = I, layer-wise tying computes what
    # adjacent tying computes when every one of its matrices is M and every time vector T.
    story = np.array([[[2, 3, 4, 0, 0], [5, 2, 0, 0, 0], [1, 4, 3, 0, 0], [0] * 5]], "int32")
    question = np.array([[2, 4, 0, 0, 0]], "int32")
    adjacent = memn2n(vocab_size=6, answer_words=[3, 0, 5], memory_size=4, sentence_length=5, dim=8, hops=3)
    layerwise = memn2n(vocab_size=6, answer_words=[3, 0, 5], memory_size=4, sentence_length=5, dim=8, hops=3, tying="layerwise")
    shared, tied = adjacent.get_layer("memory"), layerwise.get_layer("memory")
    assert len(shared.embeddings) == 4 and len(tied.embeddings) == 3 and sorted(tied.times) == [1, 2]
    rng = np.random.default_rng(0)
    matrix, times = rng.normal(0, 0.3, (6, 8)), rng.normal(0, 0.3, (4, 8))
    for layer in (shared, tied):
        for variable in layer.embeddings:
            variable.assign(matrix)
        for variable in layer.times.values():
            variable.assign(times)
        layer.answer_free.assign(tied.answer_free.numpy())
    tied.hop_map.assign(np.eye(8))
    inputs = [story, question]
    assert np.allclose(np.asarray(layerwise(inputs)), np.asarray(adjacent(inputs)), atol=1e-6)
    # H carries the state between hops: another map gives other answers.
    tied.hop_map.assign(-np.eye(8))
    assert not np.allclose(np.asarray(layerwise(inputs)), np.asarray(adjacent(inputs)), atol=1e-3)


def test_a_layerwise_reader_learns_saves_and_loads(story_files, tmp_path):
    reader = MemNN(**dict(QUICK, tying="layerwise"))
    reader.fit(str(story_files[0]), verbose=0)
    assert reader.model.get_layer("memory").tying == "layerwise"
    assert reader.evaluate()["accuracy"] > 0.6  # guessing one of the story's places: about 0.25
    loaded = deeptoolkit.load(reader.save(tmp_path / "layerwise.dtk"))
    assert loaded.config["tying"] == "layerwise"
    assert loaded.answer(STORY, "where is the ring ?") == reader.answer(STORY, "where is the ring ?")


def test_linear_start_is_set_at_every_epoch_so_a_resumed_run_is_in_the_right_mode():
    model = memn2n(vocab_size=6, answer_words=[3], memory_size=2, sentence_length=3, dim=4)
    callback = LinearStart(epochs=5)
    callback.set_model(model)
    for epoch, expected in ((0, 0.0), (4, 0.0), (5, 1.0), (3, 0.0), (9, 1.0)):
        callback.on_epoch_begin(epoch)
        assert float(model.get_layer("memory").softmax_on.numpy()) == expected


def test_default_epochs_give_about_the_same_number_of_steps_within_bounds():
    def epochs(reader, count, spec="files", **fit):
        questions = Questions([None] * count, None, spec)
        return reader._epochs(questions, reader._new_run(None, None, **fit))

    reader = MemNN()
    assert epochs(reader, 1000) == 220  # bAbI 1k: 900 questions kept, 29 steps
    assert epochs(reader, 2_000) == 112
    assert epochs(reader, 20_000) == 40  # bAbI 10k: at least 40
    assert epochs(reader, 200_000, spec=STORIES) == STORIES_EPOCHS  # many stories, each seen a few times
    assert epochs(reader, 1000, epochs=7) == 7 and epochs(MemNN(epochs=9), 1000) == 9


def test_linear_start_switches_the_softmax_back_on(story_files):
    reader = MemNN(**dict(QUICK, epochs=3, linear_start=2))
    reader.fit(str(story_files[0]), verbose=0)
    assert float(reader.model.get_layer("memory").softmax_on.numpy()) == 1.0


def test_restarts_keep_the_run_with_the_best_score(story_files):
    # Without a validation split every attempt trains on the same questions as a single run of
    # its seed (a split is cut with the configured seed, the same for all attempts), and is
    # scored by its training accuracy.
    whole = dict(RESTARTS, epochs=2, validation_split=0.0)
    single = [MemNN(**dict(whole, seed=seed)) for seed in (0, 1000)]
    for reader in single:
        reader.fit(str(story_files[0]), verbose=0)
    restarted = MemNN(**dict(whole, restarts=2))
    restarted.fit(str(story_files[0]), verbose=0)
    best = max(single, key=lambda r: (r.history["accuracy"][-1], -r.history["loss"][-1]))
    # Equal up to float round-off: threaded CPU kernels may sum in another order.
    assert restarted.history.keys() == best.history.keys()
    for name, values in best.history.items():
        assert restarted.history[name] == pytest.approx(values, rel=1e-5)
    assert restarted.config["seed"] == 0


def test_a_list_of_linear_starts_keeps_the_best_by_validation_accuracy(story_files):
    single = {start: MemNN(**dict(RESTARTS, epochs=3, linear_start=start)) for start in (0, 2)}
    for reader in single.values():
        reader.fit(str(story_files[0]), verbose=0)
    searched = MemNN(**dict(RESTARTS, epochs=3, linear_start=[0, 2]))
    searched.fit(str(story_files[0]), verbose=0)
    start, best = max(single.items(), key=lambda item: (item[1].history["val_accuracy"][-1], -item[1].history["val_loss"][-1]))
    assert searched.state["linear_start"] == start
    assert searched.history["val_accuracy"] == pytest.approx(best.history["val_accuracy"], rel=1e-5)
    with pytest.raises(DeeptoolkitError, match="several linear_start"):
        searched.fit(str(story_files[0]), resume=True, checkpoint_dir=str(story_files[0].parent / "run"), verbose=0)


def test_average_restarts_answers_with_the_mean_of_the_runs_distributions(story_files, tmp_path):
    first = MemNN(**dict(RESTARTS, epochs=2))
    first.fit(str(story_files[0]), verbose=0)
    averaged = MemNN(**dict(RESTARTS, epochs=2, restarts=2, average_restarts=True))
    averaged.fit(str(story_files[0]), verbose=0)
    questions = read_babi_file(str(story_files[1]))[:200]
    stories, asked, _ = first.encoding.encode(questions)
    inputs = {"story": stories, "question": asked}
    runs = [layer for layer in averaged.model.layers if isinstance(layer, keras.Model)]
    answers = [run.predict(inputs, verbose=0) for run in runs]
    # The first run is the one a single fit trains; the second starts elsewhere.
    # Equal up to float round-off: threaded CPU kernels may sum in another order.
    np.testing.assert_allclose(answers[0], first.model.predict(inputs, verbose=0), atol=1e-5)
    assert np.abs(answers[1] - answers[0]).max() > 1e-3
    np.testing.assert_allclose(averaged.model.predict(inputs, verbose=0), np.mean(answers, axis=0), atol=1e-6)
    assert averaged.state["average"]["runs"] == 2 and averaged.state["average"]["scored_on"] == "validation"
    assert 0.0 <= averaged.state["average"]["accuracy"] <= 1.0
    # The attention shown is the runs' mean too, and it survives saving.
    memory, question, _ = averaged.encoding.encode_one([tokenize(s) for s in STORY.splitlines()], tokenize("where is the ring ?"))
    hops = [with_attention(run).predict({"story": memory[None], "question": question[None]}, verbose=0)[1][0] for run in runs]
    result = averaged.answer(STORY, "where is the ring ?")
    np.testing.assert_allclose(np.asarray(result["attention"])[:, ::-1], np.mean(hops, axis=0)[:, :4], atol=1e-5)
    loaded = deeptoolkit.load(averaged.save(tmp_path / "averaged.dtk"))
    assert loaded.answer(STORY, "where is the ring ?") == result
    assert loaded.predict(str(story_files[1]))[:50] == averaged.predict(str(story_files[1]))[:50]
    with pytest.raises(DeeptoolkitError, match="averages 2 runs"):
        loaded.fine_tune(str(story_files[0]), epochs=1, verbose=0)


def test_averaged_runs_without_a_validation_split_are_scored_on_the_training_questions(story_files):
    reader = MemNN(**dict(RESTARTS, epochs=1, restarts=2, average_restarts=True, validation_split=0.0))
    reader.fit(str(story_files[0]), verbose=0)
    assert reader.state["average"]["scored_on"] == "training" and reader.state["average"]["runs"] == 2


@pytest.mark.parametrize("config, name", [({"hops": 0}, "hops="), ({"restarts": 0}, "restarts="), ({"validation_split": 1.5}, "validation_split="),
                                           ({"optimizer": "rmsprop"}, "optimizer="), ({"linear_start": -1}, "linear_start="),
                                           ({"linear_start": []}, "linear_start="), ({"linear_start": [20, "80"]}, "linear_start="),
                                           ({"tying": "recurrent"}, "tying="), ({"average_restarts": "yes"}, "average_restarts=")])
def test_bad_config_is_refused_at_fit(config, name):
    with pytest.raises(DeeptoolkitError, match=name):
        MemNN(**config).fit()


@without_gpu
def test_jit_compile_auto_compiles_the_memory_network_with_xla_on_a_cpu(reader):
    assert reader.model.jit_compile is True  # measured faster (benchmarks/precision.py)


def test_answer_runs_one_graph_traced_once(reader):
    reader.answer(STORY, "where is bilbo ?")
    reader.answer(STORY + "\nfrodo went to the shire .", "where is the ring ?")
    reader.answer("frodo got the ring .", "where is frodo now ?")
    assert reader._explained().experimental_get_tracing_count() == 1


@pytest.mark.parametrize("tying", ["adjacent", "layerwise"])
@pytest.mark.parametrize("precision", ["mixed_bfloat16", "mixed_float16"])
def test_the_network_runs_under_mixed_precision(precision, tying):
    from deeptoolkit import runtime

    with runtime.precision_scope(precision):
        model = memn2n(vocab_size=6, answer_words=[3, 0], memory_size=4, sentence_length=5, dim=8, tying=tying)
    story = np.array([[[2, 3, 4, 0, 0], [5, 2, 0, 0, 0], [0] * 5, [0] * 5]], "int32")
    probabilities = np.asarray(model([story, np.array([[2, 4, 0, 0, 0]], "int32")]))
    assert probabilities.dtype == np.float32 and np.allclose(probabilities.sum(), 1.0, atol=1e-3)


def test_fine_tune_starts_from_the_trained_weights_and_keeps_the_vocabulary(reader, story_files, tmp_path):
    tuned = deeptoolkit.load(reader.save(tmp_path / "joint.dtk"))
    more = write_stories(tmp_path / "more_train.txt", 600, 7)
    tuned.fine_tune(str(more), epochs=1, verbose=0)
    fresh = MemNN(**dict(RESTARTS, epochs=1))
    fresh.fit(str(more), verbose=0)
    # Its first epoch already answers like the trained reader; a fresh one is near chance.
    assert tuned.history["accuracy"][0] > 0.5 > fresh.history["accuracy"][0]
    assert tuned.encoding.words == reader.encoding.words and tuned.encoding.answers == reader.encoding.answers
    assert tuned.evaluate(str(story_files[1]))["accuracy"] > 0.6
    odd = tmp_path / "odd_train.txt"
    odd.write_text("1 bilbo went to the moon .\n2 where is bilbo ?\tmoon\t1\n")
    answered = tuned.answer(STORY, "where is frodo ?")
    with pytest.raises(DeeptoolkitError, match="odd_train.txt:2.*'moon'"):
        tuned.fine_tune(str(odd), epochs=1, verbose=0)
    assert tuned.answer(STORY, "where is frodo ?") == answered and tuned.state["data"] == [os.path.abspath(more)]
    with pytest.raises(NotFittedError):
        MemNN().fine_tune(str(more))


def test_a_file_too_small_to_hold_out_validation_trains_on_all_of_it(tmp_path, caplog):
    tiny = tmp_path / "tiny_train.txt"
    tiny.write_text("1 bilbo went to the cave .\n2 where is bilbo ?\tcave\t1\n")
    reader = MemNN(**dict(QUICK, epochs=1))
    with caplog.at_level("WARNING", logger="deeptoolkit"):
        reader.fit(str(tiny), verbose=0)
    assert "would leave none to train on" in caplog.text and "val_loss" not in reader.history


def test_several_tasks_hold_out_per_task_what_each_task_alone_holds_out(tmp_path):
    # So a reader fine-tuned from a joint one is validated on questions the joint fit never saw.
    first = read_babi_file(write_stories(tmp_path / "qa1_first_train.txt", 300, 0))
    second = read_babi_file(write_stories(tmp_path / "qa2_second_train.txt", 200, 5))
    reader = MemNN(seed=3)
    kept, held = reader._validation_split(first + second)
    alone = [reader._validation_split(questions) for questions in (first, second)]
    assert sorted(held) == sorted(list(alone[0][1]) + [len(first) + i for i in alone[1][1]])
    assert sorted(list(kept) + list(held)) == list(range(len(first) + len(second)))
    assert len(held) == 30 + 20
