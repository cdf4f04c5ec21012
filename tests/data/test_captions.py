import json
import logging

import numpy as np
import pytest

from deeptoolkit.data import captions
from deeptoolkit.errors import DeeptoolkitError
from tests.conftest import write_image


def picture(seed=0, channels=3):
    return np.random.default_rng(seed).integers(0, 255, (20, 24, channels), dtype="uint8")


@pytest.fixture
def flickr_folder(tmp_path):
    for name in ("b.jpg", "a.jpg"):
        write_image(str(tmp_path / "images" / name), picture())
    (tmp_path / "captions.txt").write_text(
        "image,caption\n"
        "a.jpg,A dog runs through the grass .\n"
        'a.jpg,"A brown dog, running."\n'
        "b.jpg,Two children's toys on a table .\n",
        encoding="utf-8",
    )
    return tmp_path


def test_tokenize_lowercases_and_drops_punctuation():
    assert captions.tokenize("A dog's ball, on  the GRASS .") == ["a", "dog's", "ball", "on", "the", "grass"]


def test_flickr_token_format(tmp_path):
    path = tmp_path / "Flickr8k.token.txt"
    path.write_text("1000_a.jpg#0\tA child in a pink dress .\n1000_a.jpg#1\tA girl going into a building .\n"
                    "2000_b.jpg#0\tA black dog .\n\n", encoding="utf-8")
    found = captions.read_flickr_tokens(path)
    assert found == {"1000_a.jpg": [["a", "child", "in", "a", "pink", "dress"], ["a", "girl", "going", "into", "a", "building"]],
                     "2000_b.jpg": [["a", "black", "dog"]]}


def test_flickr_token_line_without_tab_names_file_and_line(tmp_path):
    path = tmp_path / "tokens.txt"
    path.write_text("a.jpg#0\tA dog .\na.jpg#1 A cat .\n", encoding="utf-8")
    with pytest.raises(DeeptoolkitError, match=r"tokens.txt:2: no tab"):
        captions.read_flickr_tokens(path)


def test_csv_with_several_rows_per_image(flickr_folder):
    found = captions.read_caption_csv(flickr_folder / "captions.txt")
    assert found["a.jpg"] == [["a", "dog", "runs", "through", "the", "grass"], ["a", "brown", "dog", "running"]]
    assert found["b.jpg"] == [["two", "children's", "toys", "on", "a", "table"]]


def test_csv_without_header_is_an_error(tmp_path):
    path = tmp_path / "captions.csv"
    path.write_text("a.jpg,A dog .\n", encoding="utf-8")
    with pytest.raises(DeeptoolkitError, match=r"`image` and `caption`.*captions.csv:1"):
        captions.read_caption_csv(path)


def test_empty_caption_is_skipped_with_file_and_line(tmp_path, caplog):
    path = tmp_path / "captions.csv"
    path.write_text("image,caption\na.jpg,A dog .\na.jpg, . \n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="deeptoolkit"):
        found = captions.read_caption_csv(path)
    assert found == {"a.jpg": [["a", "dog"]]}
    assert "captions.csv:3: empty caption" in caplog.text


def test_coco_json(tmp_path):
    path = tmp_path / "captions.json"
    path.write_text(json.dumps({"images": [{"id": 7, "file_name": "x.jpg"}],
                                "annotations": [{"image_id": 7, "caption": "A cat."}, {"image_id": 7, "caption": "Cat on mat"}]}))
    assert captions.read_coco_json(path) == {"x.jpg": [["a", "cat"], ["cat", "on", "mat"]]}
    path.write_text(json.dumps({"images": [], "annotations": [{"image_id": 7, "caption": "A cat."}]}))
    with pytest.raises(DeeptoolkitError, match="image id missing"):
        captions.read_coco_json(path)
    path.write_text("{not json")
    with pytest.raises(DeeptoolkitError, match="COCO captions JSON"):
        captions.read_coco_json(path)


def test_folder_file_and_pair_forms_agree(flickr_folder):
    by_folder = captions.read_captions(str(flickr_folder))
    by_file = captions.read_captions(str(flickr_folder / "captions.txt"))
    by_pair = captions.read_captions((str(flickr_folder / "captions.txt"), str(flickr_folder / "images")))
    for found in (by_folder, by_file, by_pair):
        assert found.names == ["a.jpg", "b.jpg"] and not found.in_memory
        assert [len(c) for c in found.captions] == [2, 1]


def test_missing_and_corrupt_images_are_skipped_and_counted(flickr_folder, caplog):
    (flickr_folder / "images" / "b.jpg").write_bytes(b"not a jpeg")
    with open(flickr_folder / "captions.txt", "a", encoding="utf-8") as handle:
        handle.write("gone.jpg,A missing photo .\n")
    with caplog.at_level(logging.WARNING, logger="deeptoolkit"):
        found = captions.read_captions(str(flickr_folder))
    assert found.names == ["a.jpg"]
    assert "skipped 1 captioned image(s) missing" in caplog.text and "1 unreadable" in caplog.text


def test_no_readable_image_at_all_is_an_error(tmp_path):
    (tmp_path / "captions.csv").write_text("image,caption\ngone.jpg,A dog .\n", encoding="utf-8")
    with pytest.raises(DeeptoolkitError, match="None of the 1 images"):
        captions.read_captions(str(tmp_path))


def test_bad_data_arguments():
    with pytest.raises(DeeptoolkitError, match="does not exist"):
        captions.read_captions("/no/such/folder")
    with pytest.raises(DeeptoolkitError, match="Unknown built-in"):
        captions.read_captions("builtin:nothing")
    with pytest.raises(DeeptoolkitError, match="Received: data of type int"):
        captions.read_captions(3)


def test_arrays_with_greyscale_and_alpha(tmp_path):
    found = captions.read_captions((np.zeros((2, 8, 8, 1), "uint8"), ["a dog", ["a cat", "one cat"]]))
    assert found.pixels.shape == (2, 8, 8, 3) and found.captions[1] == [["a", "cat"], ["one", "cat"]]
    found = captions.read_captions((np.zeros((1, 8, 8, 4), "uint8"), ["a dog"]))
    assert found.pixels.shape == (1, 8, 8, 3)
    with pytest.raises(DeeptoolkitError, match="one caption"):
        captions.read_captions((np.zeros((2, 8, 8, 3), "uint8"), ["a dog"]))
    with pytest.raises(DeeptoolkitError, match="at least one caption with words"):
        captions.read_captions((np.zeros((1, 8, 8, 3), "uint8"), [" . "]))


def test_builtin_scenes_have_two_references_each():
    found = captions.read_captions("builtin:scenes")
    assert found.in_memory and len(found) == 4000 and all(len(c) == 2 for c in found.captions)


def test_a_subset_taken_in_memory_reads_back_as_itself(flickr_folder):
    whole = captions.read_captions(str(flickr_folder))
    part = captions.read_captions(whole.take([1]))
    assert part.names == ["b.jpg"] and part.spec is None and part.paths[0].endswith("b.jpg")
