"""Clips as tf.data pipelines: WAV files decoded and every clip resampled to the model's rate
inside tf.data (band-limited, by the FFT: no aliasing when going down, no images when going up),
cut at the model's longest clip, and batched with zero padding and each clip's length, which the
model turns into a frame mask (training batches group clips of about one length)."""

import numpy as np
import tensorflow as tf

from deeptoolkit.data.audio import read_clip


def resample(samples, rate, target):
    """`samples` (n,) at `rate` Hz (a tensor) at `target` Hz: the spectrum cut or zero-padded to the
    new length (what scipy.signal.resample does), with TensorFlow's own FFT."""
    n = tf.shape(samples)[0]
    n_out = tf.maximum(1, tf.cast(tf.round(tf.cast(n, tf.float64) * target / tf.cast(rate, tf.float64)), tf.int32))

    def changed():
        spectrum = tf.signal.rfft(samples, fft_length=[n])
        bins = n_out // 2 + 1
        kept = spectrum[: tf.minimum(bins, tf.shape(spectrum)[0])]
        padded = tf.pad(kept, [[0, bins - tf.shape(kept)[0]]])
        return tf.signal.irfft(padded, fft_length=[n_out]) * (tf.cast(n_out, tf.float32) / tf.cast(n, tf.float32))

    return tf.cond(tf.equal(rate, target), lambda: samples, changed)


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


def at_rate(clips, target_rate, max_samples):
    """(audio at `target_rate`, its length) of each (samples, rate), cut to `max_samples`."""
    def prepare(samples, rate):
        audio = resample(samples, rate, target_rate)[:max_samples]
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
