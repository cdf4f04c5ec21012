"""One image preprocessor for every task that reads images: the forms it takes, its one rule for
channels and size, and its one wording of errors."""

import io

import numpy as np
import pytest
from PIL import Image

from deeptoolkit.data.image_preprocessor import ImagePreprocessor
from deeptoolkit.errors import DeeptoolkitError
from deeptoolkit.inputs import texts


def png_bytes(pixels):
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def test_files_folders_bytes_and_arrays_read_alike(tmp_path):
    colour = np.zeros((10, 6, 3), "uint8")
    colour[..., 0] = 200  # red: luminance 0.299 * 200
    (tmp_path / "photos").mkdir()
    Image.fromarray(colour).save(tmp_path / "photos" / "a.png")
    Image.fromarray(colour).save(tmp_path / "photos" / "b.png")
    grey = ImagePreprocessor((4, 4), channels=1)
    from_folder = grey(str(tmp_path / "photos"))
    from_bytes = grey(png_bytes(colour))
    from_array = grey(colour.astype("float32"))
    assert from_folder.shape == (2, 4, 4, 1) and from_bytes.shape == from_array.shape == (1, 4, 4, 1)
    np.testing.assert_allclose(from_bytes, from_array, atol=1.0)
    np.testing.assert_allclose(from_array, 0.299 * 200, atol=1.0)
    rgb = ImagePreprocessor((4, 4), channels=3, value_max=1.0)(png_bytes(np.full((5, 5), 255, "uint8")))
    np.testing.assert_allclose(rgb, 1.0, atol=1e-6)  # grey repeated, files scaled to the model's pixel scale


def test_errors_name_the_input_and_say_what_was_expected(tmp_path):
    reader = ImagePreprocessor((4, 4), channels=3)
    with pytest.raises(DeeptoolkitError, match=r"Image file does not exist. Received: image='.*missing.png'"):
        reader(str(tmp_path / "missing.png"))
    (tmp_path / "notes.png").write_text("not an image")
    with pytest.raises(DeeptoolkitError, match=r"Not a readable image \(expected png, jpg.*\). Received: image="):
        reader(str(tmp_path / "notes.png"))
    with pytest.raises(DeeptoolkitError, match=r"Not a readable image .*Received: image of 3 bytes"):
        reader(b"abc")
    with pytest.raises(DeeptoolkitError, match=r"Expected an image array .*Received: image\[1\] of shape \(4, 4, 2\)"):
        reader([np.zeros((4, 4, 3)), np.zeros((4, 4, 2))])
    with pytest.raises(DeeptoolkitError, match="finite"):
        reader(np.full((4, 4), np.nan))
    with pytest.raises(DeeptoolkitError, match="at least one image"):
        reader([])


def test_text_inputs_read_one_way():
    assert texts("where is the ring ?", "question") == (["where is the ring ?"], True)
    assert texts(["a", "b"], "sentence") == (["a", "b"], False)
    with pytest.raises(DeeptoolkitError, match=r"Expected a sentence with words in it. Received: sentence 1='  '"):
        texts(["a", "  "], "sentence")
    with pytest.raises(DeeptoolkitError, match="Expected a question .*Received: question of type int"):
        texts(3, "question")
