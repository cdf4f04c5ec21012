"""Where speech data comes from: folders, manifests, arrays, datasets, the embedded digits, the
connected-speech generator, and the tf.data pipeline that resamples and pads."""

import numpy as np
import pytest

from deeptoolkit.data import spoken_digits
from deeptoolkit.data.connected_speech import join_clips
from deeptoolkit.data.speech_source import load_speech_source
from deeptoolkit.errors import DeeptoolkitError
from deeptoolkit.metrics.speech import error_rates
from tests.speech import sounds


def test_a_folder_labels_clips_by_file_name_prefix_or_by_sub_folder(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    by_prefix = load_speech_source(sounds.word_folder(tmp_path / "a", per_word=2))
    by_folder = load_speech_source(sounds.word_folder(tmp_path / "b", per_word=2, by="folder"))
    for source in (by_prefix, by_folder):
        assert sorted(source.train.targets) == sorted(["ah", "ee", "oo"] * 2) and source.test is None
        assert np.all((source.train.seconds > 0.29) & (source.train.seconds < 0.36))


def test_train_and_test_folders_make_a_test_split(tmp_path):
    for part in ("train", "test"):
        (tmp_path / part).mkdir()
        sounds.word_folder(tmp_path / part, per_word=1)
    source = load_speech_source(str(tmp_path))
    assert len(source.train) == 3 and len(source.test) == 3


def test_manifests_with_and_without_a_header(tmp_path):
    sounds.word_folder(tmp_path, per_word=1)
    (tmp_path / "with.csv").write_text("path,transcript\nah_0.wav,ah ee\nee_0.wav, ee \n")
    (tmp_path / "plain.tsv").write_text("oo_0.wav\too oo ah\n")
    assert load_speech_source(str(tmp_path / "with.csv")).train.targets == ["ah ee", "ee"]
    assert load_speech_source(str(tmp_path / "plain.tsv")).train.targets == ["oo oo ah"]
    (tmp_path / "broken.csv").write_text("path,transcript\nnowhere.wav,ah\n")
    with pytest.raises(DeeptoolkitError, match=r"broken.csv. to name a WAV file. Received: row 2 names .nowhere.wav., which does not exist"):
        load_speech_source(str(tmp_path / "broken.csv"))


def test_arrays_need_labels_and_a_dataset_is_read_once(tmp_path):
    import tensorflow as tf

    clips = [sounds.tone(word) for word in ("ah", "ee")]
    source = load_speech_source(clips, ["ah", "ee"], rate=8000)
    assert source.train.targets == ["ah", "ee"] and source.spec is None
    with pytest.raises(DeeptoolkitError, match="need their labels"):
        load_speech_source(clips, rate=8000)
    dataset = tf.data.Dataset.from_tensor_slices((np.stack(clips), ["ah", "ee"]))
    assert load_speech_source(dataset, rate=8000).train.targets == ["ah", "ee"]


def test_unlabelled_files_are_named(tmp_path):
    sounds.write(tmp_path / "nolabel.wav", sounds.tone("ah"))
    with pytest.raises(DeeptoolkitError, match="nolabel.wav"):
        load_speech_source(str(tmp_path))


def test_the_embedded_digits_hold_out_unheard_voices():
    source = load_speech_source("builtin:digits")
    assert len(source.train) == 180 and len(source.test) == 60
    assert sorted(set(source.test.targets)) == [str(d) for d in range(10)]
    clips, _, speakers = spoken_digits.load()
    assert len(set(speakers)) == 24 and all(clip.rate == 8000 for clip in clips)


def test_connected_speech_joins_words_with_pauses_and_noise():
    clips = [spoken_digits.load()[0][i] for i in range(10)]
    labels = [str(i) for i in range(10)]
    sequences, transcripts = join_clips(clips, labels, 20, words=(3, 5), seed=3)
    assert len(sequences) == 20
    for sequence, transcript in zip(sequences, transcripts, strict=True):
        words = transcript.split()
        assert 3 <= len(words) <= 5
        assert sequence.seconds > sum(clips[int(w)].seconds for w in words) * 0.5
        assert np.abs(sequence.samples).max() <= 1
    again, same = join_clips(clips, labels, 20, words=(3, 5), seed=3)
    assert same == transcripts and np.array_equal(again[0].samples, sequences[0].samples)


def test_the_pipeline_resamples_band_limited_and_pads_with_lengths():
    import tensorflow as tf

    from deeptoolkit.data import audio_pipeline
    from deeptoolkit.data.audio import Clip

    rate = 8000
    sine = np.sin(2 * np.pi * 1000 * np.arange(rate) / rate).astype("float32")
    clips = [Clip(sine, rate, "a"), Clip(sine[:4000], rate, "b"), Clip(np.resize(sine, 44100), 44100, "c")]
    ready = audio_pipeline.at_rate(audio_pipeline.array_clips(clips), 16000, max_samples=12000)
    batch = next(iter(audio_pipeline.padded_batches(ready, 3)))
    audio, lengths = batch
    assert list(lengths.numpy()) == [12000, 8000, 12000]  # cut at max_samples, the short one padded (a steady tone: nothing to trim)
    spectrum = np.abs(np.fft.rfft(audio[0].numpy()))
    assert abs(np.argmax(spectrum) * 16000 / 12000 - 1000) < 5  # still a 1 kHz tone at the new rate
    assert np.all(audio[1, 8000:].numpy() == 0)
    assert tf.reduce_max(tf.abs(audio)).numpy() < 1.1


def test_silent_ends_are_trimmed_and_the_sound_kept():
    from deeptoolkit.data.audio_pipeline import trim_silence

    rate = 8000
    word = sounds.tone("ah", rate, 0.3)
    recorded = np.concatenate([np.full(4000, 1e-4, "float32"), word, np.zeros(2400, "float32")])
    trimmed = trim_silence(recorded, rate).numpy()
    assert len(word) <= len(trimmed) <= len(word) + 0.1 * rate + 80
    assert np.abs(trimmed).max() == np.abs(word).max()


def test_error_rates_count_edits_over_the_reference():
    rates = error_rates(["one two three", "four"], ["one three", "four five"])
    assert rates["wer"] == pytest.approx(2 / 4)
    assert error_rates(["ab"], ["ab"]) == {"wer": 0.0, "cer": 0.0}
    assert error_rates(["abcd"], [""])["cer"] == 1.0


def test_training_clips_change_speed_and_get_quiet_pauses_within_their_bounds():
    import tensorflow as tf

    from deeptoolkit.data.audio_pipeline import augmented

    audio = np.sin(np.arange(8000) / 5).astype("float32")
    clips = tf.data.Dataset.from_tensors(((audio, 8000), 0)).repeat(20)
    pauses = 2 * 800
    seen = [(np.asarray(a), int(n)) for (a, n), _ in augmented(clips, 0.1, max_samples=20_000, seed=1, rate=8000)]
    assert all(8000 / 1.1 - 1 <= n <= 8000 / 0.9 + 1 + pauses for _, n in seen) and len({n for _, n in seen}) > 5
    loud = tf.data.Dataset.from_tensors(((np.full(8000, 0.5, "float32"), 8000), 0)).repeat(20)
    still = [(np.asarray(a), int(n)) for (a, n), _ in augmented(loud, 0.0, max_samples=20_000, seed=1, rate=8000)]
    assert all(8000 <= n <= 8000 + pauses for _, n in still)
    assert all(np.sum(np.abs(a) < 0.05) == n - 8000 for a, n in still)  # the pauses are near-silent, the clip kept


def test_the_front_end_normalises_over_each_clip_and_its_bands_on_request():
    from deeptoolkit.models.speech import LogMelFrontEnd, SpecAugment

    audio = np.stack([sounds.tone("ah", 16000, 0.5), sounds.tone("ee", 16000, 0.5) * 0.1])
    lengths = np.array([8000, 4000], "int32")
    for normalize in ("clip", "band"):
        features, mask = (np.asarray(x) for x in LogMelFrontEnd(16000, 20, normalize)(audio, lengths))
        assert list(mask.sum(axis=1)) == [51, 26] and np.all(features[1, 26:] == 0)
        heard = features[1, :26]
        assert abs(heard.mean()) < 1e-3 and abs(heard.std() - 1) < 0.01
        if normalize == "band":
            np.testing.assert_allclose(heard.mean(axis=0), 0, atol=1e-3)
    warped = np.asarray(SpecAugment(frequency_masks=0, time_masks=0, warp=0.2, seed=0)(features, training=True))
    assert warped.shape == features.shape and not np.allclose(warped, features)
    assert np.array_equal(np.asarray(SpecAugment(warp=0.2)(features, training=False)), features)
