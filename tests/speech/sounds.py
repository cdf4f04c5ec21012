"""Sounds made in the tests: vowel-like tones (a pitch with two formant-like partials), written
as WAV files of any encoding, so that no recording is needed."""

import io
import struct

import numpy as np
from scipy.io import wavfile

# Each "word" is a pair of partials (Hz) that tells it apart.
WORDS = {"ah": (700, 1200), "ee": (300, 2300), "oo": (320, 800)}


def tone(word, rate=8000, seconds=0.4, seed=0):
    """A float32 clip in [-1, 1] of `word`: its two partials over a 120 Hz buzz, faded in and out, with a little noise."""
    time = np.arange(int(rate * seconds)) / rate
    first, second = WORDS[word]
    signal = 0.5 * np.sin(2 * np.pi * first * time) + 0.3 * np.sin(2 * np.pi * second * time) + 0.1 * np.sin(2 * np.pi * 120 * time)
    envelope = np.minimum(1, np.minimum(time, time[-1] - time) / 0.05)
    noise = np.random.default_rng(seed).normal(0, 0.01, len(time))
    return (0.8 * signal * envelope + noise).astype("float32")


def wav_bytes(samples, rate, dtype="int16"):
    """WAV bytes of float samples in [-1, 1] (n,) or (n, channels) stored as `dtype`."""
    samples = np.asarray(samples)
    if dtype == "int16":
        data = np.round(samples * 32767).astype("int16")
    elif dtype == "uint8":
        data = np.round(samples * 127 + 128).astype("uint8")
    elif dtype == "int32":
        data = np.round(samples * (2 ** 31 - 1)).astype("int32")
    else:
        data = samples.astype(dtype)
    buffer = io.BytesIO()
    wavfile.write(buffer, rate, data)
    return buffer.getvalue()


def write(path, samples, rate=8000, dtype="int16"):
    path.write_bytes(wav_bytes(samples, rate, dtype))
    return str(path)


def adpcm_wav():
    """A WAV header of IMA ADPCM (format 0x11), an encoding the toolkit does not read."""
    fmt = struct.pack("<HHIIHH", 0x11, 1, 8000, 4000, 256, 4) + struct.pack("<HH", 2, 505)
    data = bytes(256)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def word_folder(folder, per_word=6, rate=8000, by="prefix"):
    """Clips of every word, labelled by file-name prefix (`by="prefix"`) or by sub-folder."""
    for word in WORDS:
        for index in range(per_word):
            clip = tone(word, rate, seconds=0.3 + 0.05 * index, seed=index)
            if by == "prefix":
                write(folder / f"{word}_{index}.wav", clip, rate)
            else:
                (folder / word).mkdir(exist_ok=True)
                write(folder / word / f"{index}.wav", clip, rate)
    return str(folder)
