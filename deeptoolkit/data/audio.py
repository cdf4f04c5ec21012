"""Reading audio clips: WAV files (8- to 32-bit PCM or float, mono or stereo, 8-96 kHz), WAV bytes
(uploads) and arrays, each checked with one wording and mixed down to one float32 channel in
[-1, 1]. Resampling to the model's rate happens in the tf.data pipeline (`audio_pipeline`)."""

import dataclasses
import io
import os
import warnings

import numpy as np

from deeptoolkit.errors import DeeptoolkitError

LOWEST_RATE, HIGHEST_RATE = 8000, 96000
# A clip whose loudest sample is below this (-80 dBFS) has nothing in it to hear.
SILENCE = 1e-4
READABLE = "a WAV file: PCM 8, 16, 24 or 32-bit, or 32/64-bit float"


@dataclasses.dataclass
class Clip:
    """One clip as read: mono float32 samples in [-1, 1] at `rate` Hz, and what it was called."""

    samples: np.ndarray
    rate: int
    name: str

    @property
    def seconds(self):
        return len(self.samples) / self.rate


def read_clip(source, name="clip"):
    """A Clip from a WAV path or WAV bytes; any problem is a DeeptoolkitError naming `source`."""
    from scipy.io import wavfile

    shown = f"{name}={os.fspath(source)!r}" if isinstance(source, (str, os.PathLike)) else f"{name} (bytes)"
    if isinstance(source, (str, os.PathLike)) and not os.path.isfile(source):
        raise DeeptoolkitError(f"Audio file does not exist. Received: {shown}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", wavfile.WavFileWarning)  # chunks it skips (LIST, cue): harmless
            rate, data = wavfile.read(io.BytesIO(source) if isinstance(source, bytes) else source)
    except ValueError as error:
        reason = str(error)
        if "format" in reason.lower() and "RIFF" not in reason:
            raise DeeptoolkitError(f"Unsupported WAV encoding ({reason}); expected {READABLE}. Received: {shown}") from None
        raise DeeptoolkitError(f"Not a readable audio file (expected {READABLE}). Received: {shown}") from None
    except (OSError, EOFError, IndexError, TypeError):
        raise DeeptoolkitError(f"Not a readable audio file (expected {READABLE}). Received: {shown}") from None
    return checked(to_float(data, shown), rate, name if not isinstance(source, (str, os.PathLike)) else os.fspath(source), shown)


def to_float(data, shown="clip"):
    """Samples of any WAV sample type as float32 in [-1, 1], channels mixed down to one."""
    data = np.asarray(data)
    if data.dtype == np.uint8:
        samples = (data.astype("float32") - 128) / 128
    elif data.dtype.kind == "i":
        samples = data.astype("float32") / float(2 ** (8 * data.dtype.itemsize - 1))
    elif data.dtype.kind == "f":
        samples = data.astype("float32")
    else:
        raise DeeptoolkitError(f"Unsupported sample type {data.dtype}; expected {READABLE}. Received: {shown}")
    if samples.ndim == 2:
        samples = samples.mean(axis=1)
    if samples.ndim != 1:
        raise DeeptoolkitError(f"Expected a clip: samples (n,) or (n, channels). Received: {shown} of shape {data.shape}")
    return samples


def checked(samples, rate, name, shown=None):
    """A Clip of mono float samples, refused when empty, silent, not finite or at a rate out of range."""
    shown = shown or f"{name}"
    if not isinstance(rate, (int, np.integer)) or not LOWEST_RATE <= rate <= HIGHEST_RATE:
        raise DeeptoolkitError(f"Sample rate must be {LOWEST_RATE}-{HIGHEST_RATE} Hz. Received: {shown} at {rate!r} Hz")
    if samples.size == 0:
        raise DeeptoolkitError(f"Expected a clip with sound in it. Received: {shown} has no samples")
    if not np.all(np.isfinite(samples)):
        raise DeeptoolkitError(f"Expected finite samples. Received: {shown} has NaN or infinite samples")
    if np.abs(samples).max() < SILENCE:
        raise DeeptoolkitError(f"Expected a clip with sound in it. Received: {shown} is silent (peak below -80 dBFS)")
    return Clip(samples, int(rate), name)


def from_array(array, rate, name="clip"):
    """A Clip from a 1-D array (or (n, channels)) of samples at `rate` Hz: floats in [-1, 1] or integers."""
    array = np.asarray(array)
    if array.dtype.kind not in "iuf" or array.ndim not in (1, 2):
        raise DeeptoolkitError(f"Expected a clip as a 1-D array of samples (or samples x channels). Received: {name} of "
                               f"shape {array.shape} and type {array.dtype}")
    if array.dtype.kind == "f" and array.size and np.nanmax(np.abs(array)) > 1.0001:
        raise DeeptoolkitError(f"Expected float samples in [-1, 1] (or integer PCM). Received: {name} peaks at "
                               f"{float(np.nanmax(np.abs(array))):.3g}")
    return checked(to_float(array, name), rate, name)
