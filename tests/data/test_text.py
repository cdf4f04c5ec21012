"""Text reading, the character vocabulary and the (input, next character) windows."""

import numpy as np
import pytest

from deeptoolkit.data.char_vocabulary import UNKNOWN, CharVocabulary
from deeptoolkit.data.char_windows import evaluation_windows, training_windows
from deeptoolkit.data.text import BUILTIN_TEXT, read_text
from deeptoolkit.errors import DeeptoolkitError


def test_windows_are_input_and_next_character():
    text = "abcdefghijklmnopqrstuvwxyz"
    vocabulary = CharVocabulary.fit(text)
    ids = vocabulary.encode(text)
    seen = []
    for x, y in training_windows(ids, 5, batch_size=2, seed=0):
        x, y = x.numpy(), y.numpy()
        assert x.shape[1] == y.shape[1] == 5
        for row_x, row_y in zip(x, y):
            window = vocabulary.decode(row_x)
            assert window in text
            assert vocabulary.decode(row_y) == text[text.index(window) + 1 : text.index(window) + 6]
            seen.append(window)
    assert len(seen) == (len(text) - 1) // 5  # each window once per epoch


def test_training_windows_shift_between_epochs_but_repeat_for_a_seed():
    ids = np.arange(1, 200, dtype="int32")

    def starts(dataset):
        return [sorted(int(row[0]) for row in x.numpy()) for x, _ in dataset]

    dataset = training_windows(ids, 10, batch_size=100, seed=3)
    first, second = starts(dataset), starts(dataset)
    assert first != second  # a new random shift every epoch
    assert starts(training_windows(ids, 10, batch_size=100, seed=3)) == first


def test_evaluation_windows_cover_the_text_in_order():
    text = "hello world, hello moon. "
    vocabulary = CharVocabulary.fit(text)
    xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in evaluation_windows(vocabulary.encode(text), 6, batch_size=3)])
    x, y = np.concatenate(xs), np.concatenate(ys)
    assert vocabulary.decode(x.ravel()) == text[:24]
    assert vocabulary.decode(y.ravel()) == text[1:25]


def test_text_shorter_than_one_window_is_an_error():
    with pytest.raises(DeeptoolkitError, match="shorter than one window"):
        training_windows(np.arange(5, dtype="int32"), 10, batch_size=2)


def test_vocabulary_maps_unseen_characters_to_unknown():
    vocabulary = CharVocabulary.fit("banana")
    assert vocabulary.decode(vocabulary.encode("bandana!")) == f"ban{UNKNOWN}ana{UNKNOWN}"
    assert vocabulary.unknown("bandana!") == ["!", "d"]
    assert CharVocabulary.from_dict(vocabulary.to_dict()).chars == vocabulary.chars


def test_read_text_sources(tmp_path):
    (tmp_path / "a.txt").write_text("first\n", encoding="utf-8")
    (tmp_path / "b.txt").write_bytes("\ufeffsecond é\n".encode("utf-8"))  # a BOM is not text
    assert read_text(str(tmp_path / "a.txt"))[0] == "first\n"
    assert read_text(tmp_path)[0] == "first\n\nsecond é\n"
    assert read_text("just some words to learn")[0] == "just some words to learn"
    text, spec = read_text(None)
    assert spec == BUILTIN_TEXT and len(text) > 100_000 and " the " in text


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        ("caf\xe9 cr\xe8me".encode("latin-1"), "not UTF-8 at byte 3"),
    ],
)
def test_bad_text_files_are_refused(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(DeeptoolkitError, match=message):
        read_text(str(path))


def test_a_folder_skips_unreadable_files_with_a_warning(tmp_path, caplog):
    (tmp_path / "good.txt").write_text("readable text\n")
    (tmp_path / "picture.png").write_bytes(b"\x89PNG\x00\x01")
    assert read_text(tmp_path)[0] == "readable text\n"
    assert "picture.png" in caplog.text
    (tmp_path / "good.txt").unlink()
    with pytest.raises(DeeptoolkitError, match="none readable"):
        read_text(tmp_path)


def test_mistyped_paths_and_wrong_types_are_errors():
    with pytest.raises(DeeptoolkitError, match="No such text file"):
        read_text("data/missing.txt")
    with pytest.raises(DeeptoolkitError, match="Unknown built-in"):
        read_text("builtin:nope")
    with pytest.raises(DeeptoolkitError, match="Received: data of type int"):
        read_text(3)
    with pytest.raises(DeeptoolkitError, match="Unknown TensorFlow Datasets name"):
        read_text("tfds:no_such_data_set_here")


def test_tfds_text_is_read_from_disk_or_refused_clearly(tmp_path, monkeypatch):
    import tensorflow_datasets as tfds

    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path))  # an empty catalogue, whatever this machine has prepared

    with tfds.testing.mock_data(num_examples=2):
        text, spec = read_text("tfds:tiny_shakespeare")
    assert spec == "tfds:tiny_shakespeare" and len(text) > 10
    with pytest.raises(DeeptoolkitError, match="not on this machine"):
        read_text("tfds:tiny_shakespeare")
