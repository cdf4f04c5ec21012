"""Reading clips: encodings, channels, rates, and one clear line for each kind of bad input."""

import numpy as np
import pytest

from deeptoolkit.data.audio import from_array, read_clip
from deeptoolkit.errors import DeeptoolkitError
from tests.speech import sounds


@pytest.mark.parametrize("dtype, tolerance", [("int16", 1e-4), ("uint8", 1e-2), ("int32", 1e-6), ("float32", 1e-7)])
def test_every_pcm_and_float_encoding_reads_to_the_same_samples(tmp_path, dtype, tolerance):
    samples = sounds.tone("ah")
    clip = read_clip(sounds.write(tmp_path / "a.wav", samples, 8000, dtype))
    assert clip.rate == 8000 and clip.samples.dtype == np.float32
    np.testing.assert_allclose(clip.samples, samples, atol=tolerance)


def test_stereo_is_mixed_down_and_bytes_read_like_files(tmp_path):
    left, right = sounds.tone("ah"), sounds.tone("ee")
    stereo = sounds.wav_bytes(np.stack([left, right], axis=1), 44100)
    clip = read_clip(stereo)
    assert clip.rate == 44100
    np.testing.assert_allclose(clip.samples, (left + right) / 2, atol=1e-4)


def test_bad_inputs_get_one_clear_line_naming_them(tmp_path):
    cases = {
        "missing.wav": (None, "Audio file does not exist"),
        "notes.wav": (b"these are not samples", "Not a readable audio file"),
        "adpcm.wav": (sounds.adpcm_wav(), "Unsupported WAV encoding"),
        "empty.wav": (sounds.wav_bytes(np.zeros(0), 8000), "has no samples"),
        "silent.wav": (sounds.wav_bytes(np.zeros(4000), 8000), "is silent"),
        "slow.wav": (sounds.wav_bytes(sounds.tone("ah", 2000), 2000), "Sample rate must be 8000-96000 Hz"),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / name
        if content is not None:
            path.write_bytes(content)
        with pytest.raises(DeeptoolkitError, match=message) as error:
            read_clip(str(path))
        assert name in str(error.value) and "\n" not in str(error.value)


def test_arrays_are_checked_too():
    assert from_array(np.round(sounds.tone("oo") * 32767).astype("int16"), 16000).samples.max() <= 1
    with pytest.raises(DeeptoolkitError, match=r"float samples in \[-1, 1\]"):
        from_array(sounds.tone("oo") * 100, 16000)
    with pytest.raises(DeeptoolkitError, match="1-D array of samples"):
        from_array(np.zeros((2, 3, 4)), 16000)
    with pytest.raises(DeeptoolkitError, match="Sample rate"):
        from_array(sounds.tone("oo"), 100)
