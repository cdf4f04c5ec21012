"""The bAbI question-answering format (Weston et al. 2015), read as it is on disk.

    1 Mary moved to the bathroom.
    2 John went to the hallway.
    3 Where is Mary? <TAB>bathroom<TAB>1

A line is `ID text`; a question line is `ID question<TAB>answer<TAB>supporting IDs`. IDs
restart at 1 for a new story. Each question sees the story's sentences up to that point
(earlier questions are not part of the story). Answers such as `apple,football` or `s,e`
are one answer.

Errors name the file and line: a story file must be readable as exactly this.
"""

import dataclasses
import os
import re

from deeptoolkit.errors import DeeptoolkitError

_TOKEN = re.compile(r"[\w'-]+|[^\w\s]")


def tokenize(text):
    """Lower-case word tokens; full stops and question marks carry nothing and are dropped."""
    return [token for token in _TOKEN.findall(text.lower()) if token not in (".", "?")]


@dataclasses.dataclass
class Question:
    """One question with the story it can see: what the memory network is trained on."""

    story: list  # token lists, oldest first
    question: list  # tokens
    answer: str
    supporting: list  # indices into `story`
    task: str  # the file's task name, for per-task scores
    where: str  # "file:line", for error messages


def task_name(path):
    """`qa1_single-supporting-fact` for `.../qa1_single-supporting-fact_train.txt`."""
    name = os.path.basename(os.fspath(path))
    return re.sub(r"_(train|test|valid)\.txt$", "", name)


def parse_babi(lines, source="<story>", task=None):
    """Questions (with their stories) from bAbI-format `lines`; `source` names them in errors."""
    task = task or task_name(source)
    questions, story, line_to_index = [], [], {}
    previous_id = 0
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        where = f"{source}:{number}"
        head, _, text = line.strip().partition(" ")
        if not head.isdigit():
            raise DeeptoolkitError(f"Expected a line 'ID text' with a numeric ID. Received: {where}: {line[:60]!r}")
        line_id = int(head)
        if line_id == 1:
            story, line_to_index = [], {}
        elif line_id != previous_id + 1:
            raise DeeptoolkitError(f"Expected ID {previous_id + 1} or 1 (a new story). Received: {where}: ID {line_id}")
        previous_id = line_id
        if "\t" in text:
            questions.append(_question(text, story, line_to_index, task, where))
        elif text.rstrip().endswith("?"):
            raise DeeptoolkitError(f"A question line needs '<TAB>answer<TAB>supporting IDs'. Received: {where}: {line[:60]!r}")
        else:
            line_to_index[line_id] = len(story)
            story.append(tokenize(text))
    if not questions:
        raise DeeptoolkitError(f"Expected bAbI stories with at least one question line (ID question<TAB>answer). Received: {source} with none")
    return questions


def _question(text, story, line_to_index, task, where):
    fields = text.split("\t")
    if len(fields) < 2 or not fields[1].strip():
        raise DeeptoolkitError(f"A question line needs '<TAB>answer<TAB>supporting IDs'. Received: {where}: {text[:60]!r}")
    supporting = []
    for field in (fields[2].split() if len(fields) > 2 else []):
        if not field.isdigit() or int(field) not in line_to_index:
            raise DeeptoolkitError(f"Supporting IDs must name earlier sentences of the story. Received: {where}: {field!r}")
        supporting.append(line_to_index[int(field)])
    return Question(list(story), tokenize(fields[0]), fields[1].strip().lower(), supporting, task, where)


def read_babi_file(path):
    """Questions of one bAbI file; errors name the file."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise DeeptoolkitError(f"bAbI file does not exist. Received: data={path!r}")
    try:
        with open(path, encoding="utf-8-sig") as handle:
            lines = handle.readlines()
    except UnicodeDecodeError as error:
        raise DeeptoolkitError(f"Expected a UTF-8 text file in bAbI format. Received: {path} ({error.reason})") from error
    if not any(line.strip() for line in lines):
        raise DeeptoolkitError(f"Expected bAbI stories. Received: an empty file {path}")
    return parse_babi(lines, source=path)


def babi_files(data):
    """(train files, test files) for a file, a folder, or a list of them.

    A `*_train.txt` file pairs with the `*_test.txt` beside it; a folder means all its
    `*_train.txt` files, trained jointly.
    """
    paths = [data] if isinstance(data, (str, os.PathLike)) else list(data)
    train = []
    for path in map(os.fspath, paths):
        if os.path.isdir(path):
            found = sorted(os.path.join(path, n) for n in os.listdir(path) if n.endswith("_train.txt"))
            if not found:
                raise DeeptoolkitError(f"Expected bAbI files named *_train.txt in the folder. Received: data={path!r}")
            train.extend(found)
        elif not os.path.exists(path):
            raise DeeptoolkitError(f"bAbI file does not exist. Received: data={path!r}")
        else:
            train.append(path)
    test = [re.sub(r"_train\.txt$", "_test.txt", p) for p in train if p.endswith("_train.txt")]
    test = [p for p in test if os.path.isfile(p)]
    return train, test if len(test) == len(train) else []


def split_sentences(text):
    """Story sentences from free text: one per line, or split at full stops; bAbI IDs are dropped."""
    lines = text.splitlines() if "\n" in text.strip() else re.split(r"(?<=\.)\s+", text)
    sentences = []
    for line in lines:
        line = re.sub(r"^\s*\d+\s+", "", line).strip()
        if line:
            sentences.append(line)
    return sentences
