"""Clips as tf.data pipelines: WAV files decoded and every clip resampled to the model's rate
inside tf.data (band-limited, by the FFT: no aliasing when going down, no images when going up),
its silent ends trimmed, cut at the model's longest clip, and batched with zero padding and each clip's length, which the
model turns into a frame mask (training batches group clips of about one length)."""

import numpy as np
import tensorflow as tf

from deeptoolkit.data.audio import read_clip


def resample(samples, rate, target):
    """`samples` (n,) at `rate` Hz (a tensor) at `target` Hz: the spectrum cut or zero-padded to the
    new length (what scipy.signal.resample does), with TensorFlow's own FFT."""
    n = tf.shape(samples)[0]
    n_out = tf.maximum(1, tf.cast(tf.round(tf.cast(n, tf.float64) * target / tf.cast(rate, tf.float64)), tf.int32))
    return tf.cond(tf.equal(rate, target), lambda: samples, lambda: resized(samples, n_out))


def resized(samples, n_out):
    """`samples` band-limited to `n_out` samples over the same time (the FFT's resampling)."""
    n = tf.shape(samples)[0]
    spectrum = tf.signal.rfft(samples, fft_length=[n])
    bins = n_out // 2 + 1
    kept = spectrum[: tf.minimum(bins, tf.shape(spectrum)[0])]
    padded = tf.pad(kept, [[0, bins - tf.shape(kept)[0]]])
    return tf.signal.irfft(padded, fft_length=[n_out]) * (tf.cast(n_out, tf.float32) / tf.cast(n, tf.float32))


def augmented(dataset, speed, max_samples, seed=None, pause_seconds=0.1, rate=16000):
    """Training clips made new every epoch: each (audio, length) played at a random speed within
    1 +- `speed` (tempo and pitch together, Kaldi's speed perturbation; 0: as it is), then given
    up to `pause_seconds` of near-silence before and after (40 to 80 dB under its peak), so that
    where a word starts in a recording and how quiet its pauses are do not decide what it is;
    cut to `max_samples`."""
    def augment(clip, target):
        audio, length = clip
        if speed:
            factor = tf.random.uniform([], 1.0 - speed, 1.0 + speed, seed=seed)
            audio = resized(audio, tf.maximum(1, tf.cast(tf.round(tf.cast(length, tf.float32) / factor), tf.int32)))
        longest = int(pause_seconds * rate)
        before, after = (tf.random.uniform([], 0, longest + 1, dtype=tf.int32, seed=seed) for _ in range(2))
        level = tf.reduce_max(tf.abs(audio)) * 10.0 ** (-tf.random.uniform([], 2.0, 4.0, seed=seed))
        noise = tf.random.normal([before + tf.shape(audio)[0] + after], seed=seed) * level
        audio = (tf.pad(audio, [[before, after]]) + noise)[:max_samples]
        return (audio, tf.shape(audio)[0]), target

    return dataset.map(augment, num_parallel_calls=tf.data.AUTOTUNE)


def trim_silence(samples, rate, top_db=40.0, margin_seconds=0.05):
    """`samples` without the leading and trailing stretches quieter than `top_db` under the clip's
    loudest 10 ms (keeping `margin_seconds` around the sound): what a microphone records before
    and after a word, which trimmed training clips never had."""
    samples = tf.convert_to_tensor(samples, tf.float32)
    hop = tf.maximum(1, rate // 100)
    padded = tf.pad(samples, [[0, (hop - tf.shape(samples)[0] % hop) % hop]])
    energy = tf.reduce_mean(tf.square(tf.reshape(padded, [-1, hop])), axis=1)
    loud = tf.where(energy >= tf.reduce_max(energy) * 10.0 ** (-top_db / 10))[:, 0]
    margin = tf.cast(tf.cast(rate, tf.float32) * margin_seconds, tf.int64)
    hop = tf.cast(hop, tf.int64)
    start = tf.maximum(loud[0] * hop - margin, 0)
    end = tf.minimum((loud[-1] + 1) * hop + margin, tf.cast(tf.shape(samples)[0], tf.int64))
    return samples[start:end]


def _decoded(path):
    clip = read_clip(path.decode() if isinstance(path, bytes) else str(path))
    return clip.samples, np.int32(clip.rate)


def file_clips(paths):
    """(samples, rate) of each WAV file of `paths`, decoded inside tf.data (in parallel)."""
    def decode(path):
        samples, rate = tf.numpy_function(_decoded, [path], (tf.float32, tf.int32), stateful=False)
        return tf.ensure_shape(samples, [None]), tf.ensure_shape(rate, [])

    return tf.data.Dataset.from_tensor_slices(np.asarray(paths, dtype=str)).map(decode, num_parallel_calls=tf.data.AUTOTUNE)


def array_clips(clips):
    """(samples, rate) of in-memory Clips."""
    rates = tf.data.Dataset.from_tensor_slices(np.array([clip.rate for clip in clips], "int32"))
    return tf.data.Dataset.zip(rows([clip.samples for clip in clips], "float32"), rates)


def rows(arrays, dtype):
    """A Dataset of 1-D `arrays` of different lengths, sliced from one flat tensor (no per-row constants)."""
    lengths = np.array([len(array) for array in arrays], "int64")
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype("int64")
    flat = tf.constant(np.concatenate([np.asarray(array, dtype).reshape(-1) for array in arrays]).astype(dtype))
    return tf.data.Dataset.from_tensor_slices((starts, lengths)).map(lambda start, length: flat[start: start + length],
                                                                     num_parallel_calls=tf.data.AUTOTUNE)


def at_rate(clips, target_rate, max_samples, trim=True):
    """(audio at `target_rate`, its length) of each (samples, rate), its silent ends trimmed (unless
    not `trim`) and cut to `max_samples`."""
    def prepare(samples, rate):
        audio = resample(samples, rate, target_rate)
        audio = (trim_silence(audio, target_rate) if trim else audio)[:max_samples]
        return audio, tf.shape(audio)[0]

    return clips.map(prepare, num_parallel_calls=tf.data.AUTOTUNE)


def padded_batches(dataset, batch_size):
    """Batches in order (for inference) of (audio (B, N), lengths (B,)), zero-padded to the
    longest clip of each batch. Training batches are bucketed by length (`length_buckets`)."""
    return dataset.padded_batch(batch_size).prefetch(tf.data.AUTOTUNE)


def length_buckets(seconds, rate, max_samples, buckets=6):
    """(each clip's length in samples, bucket edges at its quantiles) for `pipeline.batched`, so
    that a batch holds clips of about one length and pads little."""
    lengths = np.minimum(np.round(np.asarray(seconds) * rate), max_samples).astype("int32")
    edges = np.unique(np.percentile(lengths, np.linspace(0, 100, buckets + 1)[1:-1]).astype("int32") + 1)
    return lengths, [int(edge) for edge in edges]
