"""The questions a memory network reads: the embedded generated stories or bAbI files, parsed
once per fit (`Questions`), and the tf.data pipeline of their encoded arrays."""

import collections
import os

from deeptoolkit.data import babi, story_world
from deeptoolkit.errors import DeeptoolkitError

STORIES = "builtin:stories"
# The embedded data: generated stories, the test part from another seed than the training part.
STORIES_TRAIN, STORIES_TEST = (200_000, 0), (2_000, 1)

# Parsed questions: read once per fit, whatever the number of restarts.
Questions = collections.namedtuple("Questions", "train test spec")


def load_questions(data):
    """Questions(train, test or None, spec) for any accepted `data`."""
    if isinstance(data, Questions):
        return data
    if data is None or data == STORIES:
        return Questions(generated(STORIES_TRAIN, STORIES), generated(STORIES_TEST, STORIES + ":test"), STORIES)
    if isinstance(data, str) and data.startswith("builtin:"):
        raise DeeptoolkitError(f"Unknown built-in data set. Expected {STORIES!r}. Received: data={data!r}")
    if not isinstance(data, (str, os.PathLike, list, tuple)):
        raise DeeptoolkitError(f"Expected a bAbI file, a folder of them, a list of files or {STORIES!r}. Received: data of type {type(data).__name__}")
    train_files, test_files = babi.babi_files(data)
    train = [q for path in train_files for q in babi.read_babi_file(path)]
    test = [q for path in test_files for q in babi.read_babi_file(path)] if test_files else None
    return Questions(train, test, [os.path.abspath(p) for p in train_files])


def generated(count_and_seed, source):
    """Questions of the embedded generated stories."""
    return babi.parse_babi(story_world.generate_babi_lines(*count_and_seed), source, story_world.TASK_NAME)




def questions_dataset(encoding, questions):
    """(story, question) -> answer id pairs of `questions`, encoded by `encoding` (a StoryEncoding)."""
    import tensorflow as tf

    stories, asked, answers = encoding.encode(questions)
    return tf.data.Dataset.from_tensor_slices(({"story": stories, "question": asked}, answers))


def questions_to_score(data):
    """(questions, which) of data given to evaluate: bAbI files as they are ("given"), or a
    folder's *_test.txt files ("test")."""
    files = [data] if isinstance(data, (str, os.PathLike)) else data
    if isinstance(files, (list, tuple)) and all(os.path.isfile(f) for f in files):
        return [q for f in files for q in babi.read_babi_file(f)], "given"
    _, test, _ = load_questions(data)
    if test is None:
        raise DeeptoolkitError(f"Expected *_test.txt files beside the *_train.txt files. Received: data={data!r}")
    return test, "test"
