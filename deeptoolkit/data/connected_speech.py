"""Connected speech made from isolated words, as the memory network's stories are made from a
small world: clips joined in random order with pauses between them, each at its own loudness,
over a bed of background noise, with the words as the transcript. It turns a spoken-digit set
into connected-digit sequences for CTC (the review's recurrent net for speech)."""

import numpy as np

from deeptoolkit.data.audio import Clip
from deeptoolkit.errors import DeeptoolkitError


def join_clips(clips, labels, count, words=(3, 7), pause=(0.05, 0.35), snr_db=(15, 40), gain_db=6, seed=0):
    """`count` sequences of `words` (low, high) clips picked at random from `clips` (Clips at one
    rate) with `labels` (one word each): [Clip], [transcript]. Pauses (seconds) before, between
    and after the words are uniform in `pause`; each word is scaled by up to +-`gain_db`; white
    noise is added at a signal-to-noise ratio uniform in `snr_db`."""
    rates = {clip.rate for clip in clips}
    if len(rates) != 1:
        raise DeeptoolkitError(f"Expected clips at one sample rate to join. Received: rates {sorted(rates)}")
    if len(clips) != len(labels) or not clips:
        raise DeeptoolkitError(f"Expected one label per clip. Received: {len(clips)} clips and {len(labels)} labels")
    rate = rates.pop()
    random = np.random.default_rng(seed)
    sequences, transcripts = [], []
    for number in range(count):
        picked = random.integers(len(clips), size=random.integers(words[0], words[1] + 1))
        parts = [np.zeros(int(random.uniform(*pause) * rate), "float32")]
        for index in picked:
            gain = 10 ** (random.uniform(-gain_db, gain_db) / 20)
            parts += [clips[index].samples * gain, np.zeros(int(random.uniform(*pause) * rate), "float32")]
        speech = np.concatenate(parts)
        loudness = np.sqrt(np.mean(speech ** 2)) + 1e-9
        noise = random.standard_normal(len(speech)).astype("float32") * loudness / 10 ** (random.uniform(*snr_db) / 20)
        mixed = speech + noise
        mixed /= max(1.0, float(np.abs(mixed).max()))
        sequences.append(Clip(mixed.astype("float32"), rate, f"sequence {number}"))
        transcripts.append(" ".join(str(labels[index]) for index in picked))
    return sequences, transcripts
