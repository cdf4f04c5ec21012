import re

import pytest

from deeptoolkit.data import babi
from deeptoolkit.data.story_world import generate_babi_lines
from deeptoolkit.errors import DeeptoolkitError

SAMPLE = """1 Mary moved to the bathroom.
2 John went to the hallway.
3 Where is Mary? \tbathroom\t1
4 Daniel went back to the hallway.
5 Sandra moved to the garden.
6 Where is Daniel? \thallway\t4
1 Mary got the apple there.
2 Mary took the football there.
3 What is Mary carrying? \tapple,football\t1 2
4 How do you go from the kitchen to the garden?\ts,e\t1
"""


def test_questions_see_the_story_up_to_that_point():
    questions = babi.parse_babi(SAMPLE.splitlines(), "qa1_single-supporting-fact_train.txt")
    assert len(questions) == 4
    first, second = questions[0], questions[1]
    assert first.story == [["mary", "moved", "to", "the", "bathroom"], ["john", "went", "to", "the", "hallway"]]
    assert first.question == ["where", "is", "mary"] and first.answer == "bathroom" and first.supporting == [0]
    assert len(second.story) == 4 and second.supporting == [2]  # question lines are not story
    assert first.task == "qa1_single-supporting-fact" and first.where.endswith(":3")


def test_ids_restart_a_story_and_comma_answers_are_one_answer():
    questions = babi.parse_babi(SAMPLE.splitlines(), "x")
    third, fourth = questions[2], questions[3]
    assert third.story == [["mary", "got", "the", "apple", "there"], ["mary", "took", "the", "football", "there"]]
    assert third.answer == "apple,football" and third.supporting == [0, 1]
    assert fourth.answer == "s,e" and len(fourth.story) == 2


@pytest.mark.parametrize(
    "text, message",
    [
        ("one Mary moved.\n2 Where is Mary?\tkitchen\t1\n", "numeric ID"),
        ("1 Mary moved to the kitchen.\n2 Where is Mary? kitchen 1\n", "TAB"),
        ("1 Mary moved to the kitchen.\n2 Where is Mary?\t\t1\n", "TAB"),
        ("1 Mary moved to the kitchen.\n3 Where is Mary?\tkitchen\t1\n", "Expected ID 2"),
        ("1 Mary moved to the kitchen.\n2 John moved to the garden.\n", "at least one question"),
        ("1 Mary moved to the kitchen.\n2 Where is Mary?\tkitchen\t7\n", "Supporting IDs"),
    ],
)
def test_malformed_files_name_the_file_and_line(tmp_path, text, message):
    path = tmp_path / "qa1_bad_train.txt"
    path.write_text(text)
    with pytest.raises(DeeptoolkitError, match=message) as error:
        babi.read_babi_file(path)
    assert "qa1_bad_train.txt" in str(error.value)


def test_an_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("\n\n")
    with pytest.raises(DeeptoolkitError, match="empty file"):
        babi.read_babi_file(path)


def test_train_files_pair_with_their_test_files(tmp_path):
    for name in ("qa1_a_train.txt", "qa1_a_test.txt", "qa2_b_train.txt", "qa2_b_test.txt"):
        (tmp_path / name).write_text(SAMPLE)
    train, test = babi.babi_files(tmp_path)
    assert [p.rsplit("/", 1)[1] for p in train] == ["qa1_a_train.txt", "qa2_b_train.txt"]
    assert [p.rsplit("/", 1)[1] for p in test] == ["qa1_a_test.txt", "qa2_b_test.txt"]
    with pytest.raises(DeeptoolkitError, match="does not exist"):
        babi.babi_files(tmp_path / "nope.txt")


def test_free_text_stories_split_into_sentences():
    assert babi.split_sentences("bilbo went to the cave . frodo got the ring .") == ["bilbo went to the cave .", "frodo got the ring ."]
    assert babi.split_sentences("1 a b.\n\n2 c d.\n") == ["a b.", "c d."]


# ---------------------------------------------------------------- the story generator
def test_the_generator_is_deterministic_for_a_seed():
    assert generate_babi_lines(200, seed=5) == generate_babi_lines(200, seed=5)
    assert generate_babi_lines(200, seed=5) != generate_babi_lines(200, seed=6)


def simulate(lines):
    """A tiny independent reader of generated stories: the answer to each question, in order."""
    answers = []
    for line in lines:
        number, text = line.split(" ", 1)
        if number == "1":
            person_at, holder, thing_at = {}, {}, {}
        text = text.split("\t")[0].rstrip(" .?")
        if m := re.fullmatch(r"(\S+) (?:went to|travelled to|journeyed to|went back to|moved to) (?:the )?(\S+)", text):
            person_at[m[1]] = m[2]
        elif m := re.fullmatch(r"(\S+) (?:got|took|picked up|grabbed) the (\S+)(?: there)?", text):
            holder[m[2]] = m[1]
        elif m := re.fullmatch(r"(\S+) (?:dropped|left|put down|discarded) the (\S+) there", text):
            holder.pop(m[2], None)
            thing_at[m[2]] = person_at.get(m[1])
        elif m := re.fullmatch(r"where is the (\S+)", text):
            answers.append(person_at.get(holder[m[1]]) if m[1] in holder else thing_at.get(m[1]))
        elif m := re.fullmatch(r"where is (\S+)(?: now)?", text):
            answers.append(person_at.get(m[1]))
        else:
            assert re.fullmatch(r"\S+ died|the end", text), text
    return answers


def test_generated_answers_agree_with_an_independent_simulator():
    lines = generate_babi_lines(3000, seed=11)
    questions = babi.parse_babi(lines, "builtin:stories")
    assert len(questions) == 3000
    assert simulate(lines) == [q.answer for q in questions]
    about_objects = sum(q.question[2] == "the" for q in questions)
    assert 0.25 < about_objects / len(questions) < 0.75  # both kinds of question are common


def test_the_generator_draws_on_many_names():
    questions = babi.parse_babi(generate_babi_lines(3000, seed=1), "builtin:stories")
    words = {w for q in questions for s in q.story for w in s}
    assert len({q.answer for q in questions}) >= 20 and len(words) >= 80
