"""SpeechRecognizer benchmarks (issue 38) on the Free Spoken Digit Dataset (`../shared/data/fsdd`).

    python benchmarks/speech.py accuracy  DATA [--seeds 0]   own split: indices 0-4 test, 5-49 train
    python benchmarks/speech.py speakers  DATA [--seed 0]    leave one speaker out, all five rounds
    python benchmarks/speech.py connected DATA [--seed 0]    connected digits (3-7 words), CTC: WER
    python benchmarks/speech.py baseline  DATA               MFCC statistics + scikit-learn, both splits
    python benchmarks/speech.py overhead  DATA [--rounds 3]  epoch time against plain Keras, same model

DATA is the folder of `{digit}_{speaker}_{index}.wav` files (fsdd/recordings). The toolkit reads
the splits as CSV manifests of path and label written to a temporary folder, as a user's corpus
would come. Every line printed is JSON; the last one is the summary.
"""

import argparse
import csv
import json
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras  # noqa: E402
import numpy as np  # noqa: E402
from timing import EpochTimer, clocked, interleaved, median_of  # noqa: E402

from deeptoolkit import SpeechRecognizer  # noqa: E402

VERBOSE = [0]
OPTIONS = {}  # constructor options other than the defaults (--option name=value)
SPEAKERS = ("jackson", "lucas", "nicolas", "theo", "yweweler")


def recordings(folder):
    """[(path, digit, speaker, index)] of the FSDD folder, by name."""
    rows = []
    for name in sorted(os.listdir(folder)):
        if name.endswith(".wav"):
            digit, speaker, index = name[:-4].split("_")
            rows.append((os.path.join(folder, name), digit, speaker, int(index)))
    return rows


def manifest(rows, path):
    """Write a CSV manifest (path, transcript) of `rows`; return its path."""
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "transcript"])
        writer.writerows((row[0], row[1]) for row in rows)
    return path


def own_split(rows):
    return [r for r in rows if r[3] >= 5], [r for r in rows if r[3] < 5]


def fit_and_score(train, test, seed, work, **options):
    asr = SpeechRecognizer(seed=seed, **{**OPTIONS, **options})
    _, wall, cpu = clocked(lambda: asr.fit(manifest(train, os.path.join(work, "train.csv")), verbose=VERBOSE[0]))
    metrics = asr.evaluate(manifest(test, os.path.join(work, "test.csv")))
    return asr, metrics, {"epochs": len(asr.history["loss"]), "train_wall_s": round(wall, 1), "train_cpu_s": round(cpu, 1)}


def accuracy(args):
    train, test = own_split(recordings(args.data))
    results = []
    with tempfile.TemporaryDirectory() as work:
        for seed in args.seeds:
            _, metrics, timing = fit_and_score(train, test, seed, work)
            results.append({"seed": seed, "accuracy": metrics["accuracy"], "test_clips": metrics["examples"], **timing})
            print(json.dumps(results[-1]), flush=True)
    print(json.dumps({"split": "own (indices 0-4 test)", "mean_accuracy": statistics.mean(r["accuracy"] for r in results),
                      "min_accuracy": min(r["accuracy"] for r in results)}))


def speakers(args):
    rows = recordings(args.data)
    results = []
    with tempfile.TemporaryDirectory() as work:
        for speaker in args.speakers:
            _, metrics, timing = fit_and_score([r for r in rows if r[2] != speaker], [r for r in rows if r[2] == speaker],
                                               args.seed, work)
            results.append({"held_out_speaker": speaker, "accuracy": metrics["accuracy"], **timing})
            print(json.dumps(results[-1]), flush=True)
    worst = min(results, key=lambda r: r["accuracy"])
    print(json.dumps({"split": "leave one speaker out", "mean_accuracy": statistics.mean(r["accuracy"] for r in results),
                      "worst_speaker": worst["held_out_speaker"], "worst_accuracy": worst["accuracy"], "seed": args.seed,
                      "options": OPTIONS}))


def connected(args):
    """CTC on connected digits: sequences of 3-7 clips joined with pauses and noise
    (deeptoolkit.data.connected_speech), trained from the own split's training clips and scored
    on sequences of its test clips; then trained without one speaker and scored on sequences of
    that speaker's clips (an unseen voice)."""
    from deeptoolkit.data.audio import read_clip
    from deeptoolkit.data.connected_speech import join_clips

    rows = recordings(args.data)
    clips = {row[0]: read_clip(row[0]) for row in rows}
    options = dict(mode="sequences", width=args.width, epochs=args.epochs, seed=args.seed)

    def sequences(chosen, count, seed):
        return join_clips([clips[r[0]] for r in chosen], [r[1] for r in chosen], count, words=(3, 7), seed=seed)

    def run(train_rows, test_rows, what):
        train, train_text = sequences(train_rows, args.sequences, args.seed)
        test, test_text = sequences(test_rows, 500, args.seed + 1)
        asr = SpeechRecognizer(**options)
        _, wall, cpu = clocked(lambda: asr.fit([c.samples for c in train], train_text, rate=8000, verbose=VERBOSE[0]))
        metrics = asr.evaluate([c.samples for c in test], test_text, rate=8000)
        row = {"test": what, "wer": round(metrics["wer"], 4), "cer": round(metrics["cer"], 4),
               "sentence_accuracy": round(metrics["sentence_accuracy"], 4), "test_sequences": metrics["examples"],
               "train_sequences": len(train), "epochs": len(asr.history["loss"]), "train_wall_s": round(wall, 1),
               "train_cpu_s": round(cpu, 1), "mistakes": metrics["mistakes"][:3]}
        print(json.dumps(row), flush=True)
        return row

    train, test = own_split(rows)
    rows_out = [run(train, test, "own split test clips")]
    if args.speaker != "none":
        rows_out.append(run([r for r in rows if r[2] != args.speaker], [r for r in rows if r[2] == args.speaker],
                            f"unseen speaker {args.speaker}"))
    print(json.dumps({"connected digits (3-7 words)": {r["test"]: r["wer"] for r in rows_out}, **options,
                      "train_sequences": args.sequences}))


def mfcc_statistics(clip, coefficients=13):
    """A clip as the fixed-length vector a practitioner would first try: 13 MFCCs (25 ms frames
    every 10 ms, at the clip's own rate) and their deltas, each summarised by mean and standard
    deviation over the clip."""
    import tensorflow as tf

    rate = clip.rate
    spectrum = tf.abs(tf.signal.stft(clip.samples, rate * 25 // 1000, rate // 100, fft_length=512))
    mel = tf.tensordot(spectrum ** 2, tf.signal.linear_to_mel_weight_matrix(40, 257, rate, 20.0, rate / 2), 1)
    mfcc = tf.signal.mfccs_from_log_mel_spectrograms(tf.math.log(mel + 1e-6))[:, :coefficients].numpy()
    delta = np.diff(mfcc, axis=0) if len(mfcc) > 1 else np.zeros_like(mfcc)
    return np.concatenate([mfcc.mean(0), mfcc.std(0), delta.mean(0), delta.std(0)])


def baseline(args):
    """MFCC statistics with a scikit-learn SVM (RBF) and logistic regression, on the own split and leaving out each speaker."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    from deeptoolkit.data.audio import read_clip

    rows = recordings(args.data)
    features = np.stack([mfcc_statistics(read_clip(row[0])) for row in rows])
    labels = np.array([row[1] for row in rows])
    models = {"svm_rbf": lambda: make_pipeline(StandardScaler(), SVC(C=10)),
              "logistic_regression": lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))}
    splits = {"own split": [np.array([row[3] >= 5 for row in rows])]}
    splits["leave one speaker out"] = [np.array([row[2] != speaker for row in rows]) for speaker in SPEAKERS]
    summary = {}
    for name, make in models.items():
        for split, masks in splits.items():
            scores = [float(np.mean(make().fit(features[m], labels[m]).predict(features[~m]) == labels[~m])) for m in masks]
            summary[f"{name}, {split}"] = {"mean_accuracy": round(statistics.mean(scores), 4), "worst": round(min(scores), 4),
                                           "per_round": [round(x, 4) for x in scores]}
            print(json.dumps({name: split, **summary[f"{name}, {split}"]}), flush=True)
    print(json.dumps(summary))


# ---------------------------------------------------------------------------- plain Keras
def reference_run(clips, labels, epochs, seed=0, batch_size=32, rate=16000):
    """The same word model trained in plain Keras as a practitioner would: every clip decoded and
    resampled up front (scipy), quiet pauses added per epoch in a Python generator, a tf.data
    pipeline bucketed by length, AdamW with the same schedule, no validation split. Returns
    (EpochTimer, model)."""
    import tensorflow as tf
    from scipy.signal import resample

    from deeptoolkit.models.speech import word_model
    from deeptoolkit.tasks.optimizers import warmup_cosine

    keras.utils.set_random_seed(seed)
    audio = [resample(c.samples, int(round(len(c.samples) * rate / c.rate))).astype("float32") for c in clips]
    names = sorted(set(labels))
    targets = np.array([names.index(label) for label in labels], "int32")

    random = np.random.default_rng(seed)

    def examples():  # the toolkit's training augmentation: up to 0.1 s of quiet noise before and after
        for samples, target in zip(audio, targets):
            before, after = random.integers(0, rate // 10 + 1, size=2)
            level = np.abs(samples).max() * 10 ** -random.uniform(2, 4)
            padded = np.pad(samples, (before, after)) + random.standard_normal(len(samples) + before + after).astype("float32") * level
            yield (padded.astype("float32"), np.int32(len(padded))), target

    spec = ((tf.TensorSpec((None,), tf.float32), tf.TensorSpec((), tf.int32)), tf.TensorSpec((), tf.int32))
    lengths = np.array([len(a) for a in audio])
    edges = [int(e) + 1 for e in np.unique(np.percentile(lengths, [100 * k / 6 for k in range(1, 6)]).astype(int))]
    dataset = (tf.data.Dataset.from_generator(examples, output_signature=spec).shuffle(len(audio), seed=seed)
               .bucket_by_sequence_length(lambda x, y: x[1], edges, [batch_size] * (len(edges) + 1)).prefetch(tf.data.AUTOTUNE))
    model = word_model(len(names), sample_rate=rate, seed=seed)
    steps = -(-len(audio) // batch_size) * epochs
    model.compile(keras.optimizers.AdamW(warmup_cosine(3e-3, steps, warmup_fraction=0.05), weight_decay=1e-3, clipnorm=5.0),
                  "sparse_categorical_crossentropy", metrics=["accuracy"])
    timer = EpochTimer()
    model.fit(dataset, epochs=epochs, callbacks=[timer], verbose=0)
    return timer, model


def toolkit_run(data, epochs, seed=0):
    """The toolkit on the same data and model, no validation split (as the reference). Returns (EpochTimer, task)."""
    timer = EpochTimer()
    asr = SpeechRecognizer(seed=seed, epochs=epochs, validation_split=0, patience=0)
    asr.fit(data, callbacks=[timer], verbose=0)
    return timer, asr


def overhead(args):
    """Epoch wall and CPU seconds, toolkit / plain Keras, interleaved rounds on the own split's training clips."""
    from deeptoolkit.data.audio import read_clip

    train, _ = own_split(recordings(args.data))
    clips = [read_clip(row[0]) for row in train]
    with tempfile.TemporaryDirectory() as work:
        path = manifest(train, os.path.join(work, "train.csv"))

        def contender(run):
            def once():
                timer, _ = run()
                keras.backend.clear_session()
                wall, cpu = timer.steady()
                return {"epoch_wall_s": round(wall, 3), "epoch_cpu_s": round(cpu, 3)}
            return once

        results = interleaved({"toolkit": contender(lambda: toolkit_run(path, args.epochs)),
                               "plain_keras": contender(lambda: reference_run(clips, [r[1] for r in train], args.epochs))},
                              args.rounds)
    medians = {name: {key: median_of(runs, key) for key in runs[0]} for name, runs in results.items()}
    print(json.dumps({"clips": len(train), "epochs": args.epochs, "rounds": args.rounds, **medians,
                      "ratio_wall": round(medians["toolkit"]["epoch_wall_s"] / medians["plain_keras"]["epoch_wall_s"], 3),
                      "ratio_cpu": round(medians["toolkit"]["epoch_cpu_s"] / medians["plain_keras"]["epoch_cpu_s"], 3)}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("experiment", choices=["accuracy", "speakers", "connected", "baseline", "overhead"])
    parser.add_argument("data", help="the fsdd/recordings folder")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=None, help="epochs (overhead: per timed run, 4; connected: 30)")
    parser.add_argument("--width", type=int, default=1, help="connected: the model's width")
    parser.add_argument("--sequences", type=int, default=2000, help="connected: training sequences")
    parser.add_argument("--speaker", default="theo", help="connected: the unseen speaker (none: skip)")
    parser.add_argument("--speakers", nargs="+", default=list(SPEAKERS), help="speakers: the ones left out in turn")
    parser.add_argument("--option", action="append", default=[], help="NAME=VALUE: a constructor option (JSON value)")
    parser.add_argument("--verbose", type=int, default=0, help="Keras's progress lines (2: one per epoch)")
    args = parser.parse_args()
    VERBOSE[0] = args.verbose
    OPTIONS.update((name, json.loads(value)) for name, value in (item.split("=", 1) for item in args.option))
    args.epochs = args.epochs or (30 if args.experiment == "connected" else 4)
    globals()[args.experiment](args)


if __name__ == "__main__":
    main()
