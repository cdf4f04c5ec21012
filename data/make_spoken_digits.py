"""Make deeptoolkit/data/spoken_digits.npz, SpeechRecognizer's embedded default (`builtin:digits`):
the words "zero" to "nine" spoken by the eSpeak NG synthesizer in 24 voices (8 voice variants, each
at 3 speeds and pitches), 8 kHz 16-bit, silence trimmed.

eSpeak NG (GPL-3.0-or-later) comes as a shared library inside the `espeakng-loader` wheel (MIT):
    pip install espeakng-loader==0.2.4 && python data/make_spoken_digits.py
The speech it writes is the synthesizer's output, not its code; the file is deterministic.
"""

import ctypes
import os

import numpy as np
from scipy.signal import resample_poly

WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
VOICES = ("en+m1", "en+m3", "en+m5", "en+m7", "en+f1", "en+f2", "en+f4", "en-us+klatt")
# (words per minute, pitch 0-100): a slow low, a middle and a fast high delivery of each voice.
DELIVERIES = ((130, 35), (160, 50), (195, 70))
RATE = 8000
OUT = os.path.join(os.path.dirname(__file__), "..", "deeptoolkit", "data", "spoken_digits.npz")

SYNCHRONOUS, RATE_PARAMETER, PITCH_PARAMETER = 2, 1, 3


class Espeak:
    def __init__(self):
        import espeakng_loader

        self.lib = ctypes.cdll.LoadLibrary(espeakng_loader.get_library_path())
        self.rate = self.lib.espeak_Initialize(SYNCHRONOUS, 0, espeakng_loader.get_data_path().encode(), 0)
        self.chunks = []
        callback_type = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)
        self.callback = callback_type(self._collect)  # kept: the library calls it back
        self.lib.espeak_SetSynthCallback(self.callback)

    def _collect(self, samples, count, events):
        if samples and count > 0:
            self.chunks.append(np.ctypeslib.as_array(samples, shape=(count,)).copy())
        return 0

    def say(self, text, voice, words_per_minute, pitch):
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise RuntimeError(f"eSpeak NG has no voice {voice!r}")
        self.lib.espeak_SetParameter(RATE_PARAMETER, words_per_minute, 0)
        self.lib.espeak_SetParameter(PITCH_PARAMETER, pitch, 0)
        self.chunks = []
        data = text.encode()
        self.lib.espeak_Synth(data, len(data) + 1, 0, 1, 0, 0, None, None)
        self.lib.espeak_Synchronize()
        return np.concatenate(self.chunks).astype("float32") / 32768.0


def trimmed(samples, threshold=0.01, margin=0.02):
    """The clip without its leading and trailing silence, keeping `margin` seconds around the speech."""
    loud = np.flatnonzero(np.abs(samples) > threshold)
    pad = int(margin * RATE)
    return samples[max(0, loud[0] - pad): loud[-1] + pad + 1]


def main():
    espeak = Espeak()
    clips, labels, speakers = [], [], []
    for voice in VOICES:
        for words_per_minute, pitch in DELIVERIES:
            speaker = f"{voice}@{words_per_minute}"
            for digit, word in enumerate(WORDS):
                audio = resample_poly(espeak.say(word, voice, words_per_minute, pitch), RATE, espeak.rate)
                clips.append(np.round(np.clip(trimmed(audio), -1, 1) * 32767).astype("int16"))
                labels.append(str(digit))
                speakers.append(speaker)
    lengths = np.array([len(c) for c in clips])
    np.savez_compressed(OUT, samples=np.concatenate(clips), lengths=lengths, labels=np.array(labels),
                        speakers=np.array(speakers), sample_rate=RATE)
    print(f"wrote {os.path.normpath(OUT)}: {len(clips)} clips, {lengths.sum() / RATE:.1f} s, "
          f"{os.path.getsize(OUT) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
