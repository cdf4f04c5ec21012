"""The kinds of input a verb reads, and what the command line makes of each: the items an
answer is about (image files of folders, lines of a file, questions of a story file). Nothing
here imports TensorFlow: the command line expands inputs before a model is loaded."""

import os

from deeptoolkit.errors import DeeptoolkitError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".pgm")
AUDIO_EXTENSIONS = (".wav", ".wave")

# kind: how it is given on the command line and in a request.
KINDS = {
    "image": "an image file (png, jpg, bmp, gif, pgm) or a folder of them; an upload when served",
    "audio": "a WAV file or a folder of them; an upload or a recording when served",
    "text": "a string",
    "story": "a story, one sentence per line: a file on the command line, text when served (split by babi.split_sentences)",
    "lines": "a UTF-8 text file, one item per line",
    "questions": "a bAbI file of story lines and questions",
}


def expand_images(items):
    """Image paths of `items` (paths of files or folders, or one path): files as given, each
    folder as its image files sorted by name. A folder without any is an error."""
    return expand_files(items, IMAGE_EXTENSIONS, "image files")


def expand_audio(items):
    """Audio paths of `items` (files or folders, or one path), as `expand_images` finds images;
    anything that is not a path (an array, bytes) is kept as it is."""
    return expand_files(items, AUDIO_EXTENSIONS, "WAV files")


def expand_files(items, extensions, what):
    """`items` (one or a list) with each folder replaced by its files with one of `extensions`, by name."""
    items = [items] if isinstance(items, (str, os.PathLike)) else list(items)
    paths = []
    for item in items:
        if not isinstance(item, (str, os.PathLike)) or not os.path.isdir(item):
            paths.append(os.fspath(item) if isinstance(item, os.PathLike) else item)
            continue
        found = sorted(entry.path for entry in os.scandir(item) if entry.is_file() and entry.name.lower().endswith(extensions))
        if not found:
            raise DeeptoolkitError(f"Expected {what} in the folder ({', '.join(extensions)}). Received: {os.fspath(item)!r} has none")
        paths.extend(found)
    return paths


def read_story(path):
    """The text of a story file, one sentence per line."""
    if not os.path.isfile(path):
        raise DeeptoolkitError(f"Expected a story file, one sentence per line. Received: story={os.fspath(path)!r} does not exist")
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return handle.read()
    except UnicodeDecodeError as error:
        raise DeeptoolkitError(f"Expected a UTF-8 story file, one sentence per line. Received: story={os.fspath(path)!r} "
                               f"(byte {error.start} is not UTF-8)") from None


def texts(value, name):
    """(the texts, whether one was given) of a text input: a string or a list of strings, each with
    something besides blanks in it; the one reading and wording of every task, the server and the
    command line. What a text's words are is the task's tokenizer's to say."""
    single = isinstance(value, str)
    items = [value] if single else value
    if not isinstance(items, (list, tuple)) or not items or not all(isinstance(text, str) for text in items):
        raise DeeptoolkitError(f"Expected a {name} (a string) or a non-empty list of them. Received: {name} of type "
                               f"{type(value).__name__}")
    for index, text in enumerate(items):
        if not text.strip():
            raise DeeptoolkitError(f"Expected a {name} with words in it. Received: {name if single else f'{name} {index}'}={text!r}")
    return list(items), single


def command_line_value(item, value):
    """What a verb is called with for its input `item` (a declaration.Input) given on the command
    line as `value`."""
    if item.kind == "image" and item.many:
        return expand_images(value)
    if item.kind == "audio" and item.many:
        return expand_audio(value)
    if item.kind == "story":
        return read_story(value)
    if item.kind == "lines":
        from deeptoolkit.data.parallel import read_sentences

        if not os.path.isfile(value):
            raise DeeptoolkitError(f"Expected a text file of {item.name}, one per line. Received: {item.name}={value!r} does not exist")
        found = read_sentences(value)
        if not found:
            raise DeeptoolkitError(f"Expected {item.name}, one per line. Received: an empty file {value!r}")
        return found
    return list(value) if isinstance(value, tuple) else value


def items(kind, value):
    """The items an answer is about, as the command line prints them beside each answer."""
    if kind == "questions":
        from deeptoolkit.data.babi import read_babi_file

        return [" ".join(question.question) for question in read_babi_file(value)]
    return value if isinstance(value, list) else [value]
