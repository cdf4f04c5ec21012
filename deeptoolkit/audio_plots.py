"""The figure of what a speech model hears in one clip: the waveform on top, the log-mel
spectrogram under it, and under that, frame by frame, where each word is heard (a CTC model's
probabilities; a word model's Grad-CAM over time), on one time axis."""

import numpy as np

from deeptoolkit.models.speech import HOP_MS
from deeptoolkit.plots import _save, plt

# Words drawn as their own line at most; the rest are summed into "others".
SHOWN_WORDS = 8


def inspection(clip, log_mel, probabilities, step, labels, found, path):
    """`clip` (a Clip: what the model hears, at its rate, silent ends trimmed), its log-mel
    (frames, mels), `probabilities` (output frames, classes; CTC's blank first for a sequence
    model; a word model's evidence), `step` seconds per output frame, the model's `labels`,
    and `found` (inspect()'s answer: the transcript and where each word is heard)."""
    blank = probabilities.shape[1] == len(labels) + 1
    words = probabilities[:, 1:] if blank else probabilities
    figure, axes = plt.subplots(3, 1, figsize=(10, 7.5), sharex=True, gridspec_kw={"height_ratios": [1, 1.4, 1.4]})
    seconds = np.arange(len(clip.samples)) / clip.rate
    axes[0].plot(seconds, clip.samples, linewidth=0.5, color="#1a5fb4")
    axes[0].set_ylabel("amplitude")
    axes[0].set_title(f"{clip.name}: heard \"{found['transcript']}\" ({clip.seconds:.2f} s heard, at {clip.rate} Hz)")
    hop = HOP_MS / 1000
    axes[1].imshow(log_mel.T, origin="lower", aspect="auto", cmap="magma", extent=[0, len(log_mel) * hop, 0, log_mel.shape[1]])
    axes[1].set_ylabel("mel band")
    axes[1].set_title("log-mel spectrogram (normalised over the clip)")
    times = (np.arange(len(words)) + 0.5) * step
    shown = [index for index in np.argsort(words.max(axis=0))[::-1][:SHOWN_WORDS] if words[:, index].max() > 0.01]
    for index in sorted(shown):
        axes[2].plot(times, words[:, index], label=str(labels[index]), linewidth=1.6)
    if blank:
        axes[2].plot(times, probabilities[:, 0], color="grey", linestyle=":", label="blank")
    for word in found["words"]:
        axes[2].axvspan(word["start"], word["end"], color="#f6d32d", alpha=0.25)
        axes[2].text((word["start"] + word["end"]) / 2, 1.03, str(word["word"]), ha="center", va="bottom", fontsize=10, weight="bold")
    axes[2].set_ylim(0, 1.12)
    axes[2].set_ylabel("probability")
    axes[2].set_xlabel("time (s)")
    axes[2].set_title("where each word is heard: CTC's frame-by-frame probabilities" if blank else
                      "where the model finds its likeliest words: Grad-CAM over time, each peak at the word's probability")
    axes[2].legend(loc="upper right", fontsize=8, ncol=min(len(shown) + blank, 6))
    axes[2].set_xlim(0, max(clip.seconds, len(words) * step))
    return _save(figure, path)
