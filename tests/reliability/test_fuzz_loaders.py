"""Every file loader, fed hypothesis-generated files: it parses them or raises the toolkit's
own error naming the file, never another exception, and never hangs (a deadline per example).

Inputs mix random bytes, near-valid lines of each format with random corruption (missing or
extra tabs, non-numeric IDs, stray unicode, empty fields), other encodings (latin-1, UTF-16)
and huge lines.
"""

import os
import tempfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deeptoolkit.data import babi, captions, face_pairs, image_files, parallel, text
from deeptoolkit.errors import DeeptoolkitError
from tests.reliability import fuzzing
from tests.reliability.fuzzing import EXAMPLES, RANDOM, read_or_refuse, write

# A deadline per example: a loader that hangs on a line fails.
FUZZ = settings(fuzzing.FUZZ, deadline=5000)

WORDS = st.sampled_from(["mary", "went", "to", "the", "kitchen", "where", "is", "?", ".", "1", "12", "-3", "x#0", "a.jpg",
                         "image", "caption", "name", "é", "猫", "\u200b", ",", '"', "{", "}", "[", "]", ":", "null"])
SEPARATORS = st.sampled_from([" ", "\t", "\t\t", "", ",", "  "])


@st.composite
def lines_of(draw, templates):
    """Lines built from a format's templates, then corrupted word by word."""
    out = []
    for template in draw(st.lists(st.sampled_from(templates), max_size=12)):
        words = template.split(" ")
        if draw(st.booleans()):  # corrupt: replace, drop or add a few words and separators
            for _ in range(draw(st.integers(1, 3))):
                i = draw(st.integers(0, len(words)))
                words.insert(i, draw(WORDS) + draw(SEPARATORS))
            if len(words) > 1 and draw(st.booleans()):
                words.pop(draw(st.integers(0, len(words) - 1)))
        out.append(" ".join(words).replace(" <TAB> ", "\t"))
    return out


@st.composite
def file_bytes(draw, templates):
    kind = draw(st.sampled_from(["clean", "lines", "lines", "lines", "bytes", "huge"]))
    if kind == "bytes":
        return draw(st.binary(max_size=400))
    lines = [line.replace(" <TAB> ", "\t") for line in templates] if kind == "clean" else draw(lines_of(templates))
    if kind == "huge":
        lines.insert(draw(st.integers(0, len(lines))), "word " * draw(st.integers(20_000, 60_000)))
    content = "\n".join(lines) + draw(st.sampled_from(["", "\n", "\r\n", "\n\n"]))
    encoding = "utf-8" if kind == "clean" else draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "latin-1", "utf-16"]))
    return content.encode(encoding, errors="replace")


def _parses_or_names_the_file(read, data, name, also=()):
    read_or_refuse(name, read, data, name, *also)


BABI = ["1 mary went to the kitchen .", "2 john got the apple .", "3 where is mary ? <TAB> kitchen <TAB> 1",
        "4 where is the apple ? <TAB> kitchen <TAB> 1 2", "1 sandra moved to the office .", "2 is sandra in the office ? <TAB> yes <TAB> 1"]


@FUZZ
@given(file_bytes(BABI))
def test_babi_files(data):
    _parses_or_names_the_file(babi.read_babi_file, data, "qa1_fuzz_train.txt")


@FUZZ
@given(file_bytes(["frodo took the ring .", "frodo went to mount-doom .", "", "where is the ring ?"]))
def test_story_files(data):
    from deeptoolkit.inputs import read_story

    _parses_or_names_the_file(read_story, data, "story.txt")


@FUZZ
@given(file_bytes(["First Citizen:", "Before we proceed any further, hear me speak.", "", "All: Speak, speak."]))
def test_text_files(data):
    _parses_or_names_the_file(text.read_text_file, data, "input.txt")


@FUZZ
@given(file_bytes(["Go. <TAB> Va ! <TAB> CC-BY 2.0 (France)", "Hi. <TAB> Salut !", "Run! <TAB> Cours !"]))
def test_translation_pair_files(data):
    _parses_or_names_the_file(parallel.read_tab_file, data, "fra.txt")


@FUZZ
@given(file_bytes(["Go .", "Hi ."]), file_bytes(["Va !", "Salut !"]))
def test_aligned_translation_files(source, target):
    target_path = write(target, "train.fr")
    _parses_or_names_the_file(lambda path: parallel.read_aligned_files(path, target_path), source, "train.en",
                              also=("train.fr",))


@FUZZ
@given(file_bytes(["10 300", "2 1", "Abel_Pacheco 1 4", "Abel_Pacheco 1 Jean_Chretien 2", "s1 1 2", "s1 3 s2 4"]))
def test_lfw_pairs_files(data):
    _parses_or_names_the_file(face_pairs.read_pairs_file, data, "pairs.txt")


@FUZZ
@given(file_bytes(["1000268201.jpg#0 <TAB> A child in a pink dress .", "1000268201.jpg#1 <TAB> A girl going into a house ."]))
def test_flickr_token_files(data):
    _parses_or_names_the_file(captions.read_flickr_tokens, data, "Flickr8k.token.txt")


@FUZZ
@given(file_bytes(["image,caption", "a.jpg,a dog runs", '"b.jpg","a cat, sitting"', "c.jpg,"]))
def test_caption_csv_files(data):
    _parses_or_names_the_file(captions.read_caption_csv, data, "captions.csv")


COCO = ['{"images": [{"id": 1, "file_name": "a.jpg"}],', '"annotations": [{"image_id": 1, "caption": "a dog"}]}',
        '{"images": [], "annotations": []}', '[1, 2]', '{"annotations": [{"image_id": 7}]}']


@FUZZ
@given(file_bytes(COCO))
def test_coco_caption_files(data):
    _parses_or_names_the_file(captions.read_coco_json, data, "captions_train2014.json")


PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@settings(max_examples=EXAMPLES, deadline=5000, derandomize=not RANDOM, database=None)
@given(st.one_of(st.binary(max_size=300), st.binary(max_size=300).map(lambda tail: PNG_HEADER + tail),
                 st.binary(max_size=300).map(lambda tail: b"\xff\xd8\xff\xe0" + tail)))
def test_image_files_are_probed_without_crashing(data):
    path = write(data, "photo.png")
    assert image_files.probe_image(path) is None or len(image_files.probe_image(path)) == 3


@settings(max_examples=EXAMPLES, deadline=10000, derandomize=not RANDOM, database=None)
@given(st.lists(st.binary(max_size=200), min_size=1, max_size=4))
def test_image_class_folders_with_broken_files(contents):
    folder = tempfile.mkdtemp(prefix="fuzz-images-")
    for i, data in enumerate(contents):
        os.makedirs(os.path.join(folder, f"class{i % 2}"), exist_ok=True)
        with open(os.path.join(folder, f"class{i % 2}", f"{i}.png"), "wb") as handle:
            handle.write(data)
    try:
        image_files.list_class_folder(folder)
    except DeeptoolkitError as error:
        assert folder in str(error), str(error)  # the folder, or a class folder inside it


def test_the_fuzzers_reach_both_outcomes():
    """Guard against a fuzzer that only ever produces garbage (or only valid files)."""
    outcomes = {"parsed": 0, "refused": 0}

    @settings(max_examples=60, deadline=None, derandomize=True)
    @given(file_bytes(BABI))
    def count(data):
        try:
            babi.read_babi_file(write(data, "qa1_count_train.txt"))
            outcomes["parsed"] += 1
        except DeeptoolkitError:
            outcomes["refused"] += 1

    count()
    assert outcomes["parsed"] > 0 and outcomes["refused"] > 0, outcomes


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__])
