"""Reading audio clips: WAV files (8- to 32-bit PCM or float, mono or stereo, 8-96 kHz), WAV bytes
(uploads) and arrays, each checked with one wording and mixed down to one float32 channel in
[-1, 1]. Resampling to the model's rate happens in the tf.data pipeline (`audio_pipeline`)."""

import dataclasses
import io
import os
import struct
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
        with open(source, "rb") if not isinstance(source, bytes) else io.BytesIO(source) as handle:
            problem = header_problem(handle)
            if problem:
                raise DeeptoolkitError(f"Not a readable audio file: {problem} (expected {READABLE}). Received: {shown}")
            handle.seek(0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", wavfile.WavFileWarning)  # chunks it skips (LIST, cue): harmless
                rate, data = wavfile.read(handle)
    except DeeptoolkitError:
        raise
    except ValueError as error:
        reason = str(error)
        if "format" in reason.lower() and "RIFF" not in reason:
            raise DeeptoolkitError(f"Unsupported WAV encoding ({reason}); expected {READABLE}. Received: {shown}") from None
        raise DeeptoolkitError(f"Not a readable audio file (expected {READABLE}). Received: {shown}") from None
    except Exception:  # noqa: BLE001 - scipy's pure-Python parser on a header that passed the check above
        raise DeeptoolkitError(f"Not a readable audio file (expected {READABLE}). Received: {shown}") from None
    return checked(to_float(data, shown), rate, name if not isinstance(source, (str, os.PathLike)) else os.fspath(source), shown)


def header_problem(handle):
    """What is wrong with the RIFF/WAVE chunk structure in `handle` (None when it is sound): a
    `fmt ` chunk with 1-64 channels, a known sample size and a matching block size, then a `data`
    chunk. Checked here because scipy's reader fails on such files with arbitrary exceptions."""
    head = handle.read(12)
    if len(head) < 12 or head[:4] not in (b"RIFF", b"RIFX", b"RF64") or head[8:12] != b"WAVE":
        return "no RIFF/WAVE header"
    order = ">" if head[:4] == b"RIFX" else "<"
    fmt = None
    for _ in range(1024):  # real files have a handful of chunks before their samples
        chunk = handle.read(8)
        if len(chunk) < 8:
            return "no fmt chunk" if fmt is None else "no data chunk"
        name, size = chunk[:4], struct.unpack(order + "I", chunk[4:])[0]
        if name == b"fmt ":
            body = handle.read(min(size, 64))
            if size < 16 or len(body) < 16:
                return f"a fmt chunk of {len(body)} bytes (16 at least)"
            handle.seek(size - len(body), os.SEEK_CUR)
            tag, channels, rate, _, block, bits = struct.unpack(order + "HHIIHH", body[:16])
            if not 1 <= channels <= 64:
                return f"{channels} channels"
            if tag in (1, 3) and (bits not in (8, 16, 24, 32, 64) or block != channels * bits // 8):
                return f"{bits}-bit samples in blocks of {block} bytes for {channels} channels"
            fmt = (tag, channels, rate)
            handle.seek(size % 2, os.SEEK_CUR)
        elif name == b"data":
            return "a data chunk before the fmt chunk" if fmt is None else None
        else:
            handle.seek(size + size % 2, os.SEEK_CUR)
    return "over 1024 chunks before its samples"


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
