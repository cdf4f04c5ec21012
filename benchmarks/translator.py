"""Translator benchmark (issue 5): corpus BLEU-4 on held-out Tatoeba pairs within a CPU budget.

    python benchmarks/translator.py bleu --data ../shared/data/fra-eng/fra.txt [--cpu-minutes 30] [--attention additive|dot|none]

Holds out 2,000 pairs at random (seed 0), trains on the rest with the toolkit's defaults (or
--set NAME=VALUE) until --epochs or until the process has used --cpu-minutes of CPU time,
then scores the held-out pairs greedily and with beam 4. Run it once with attention and once
with --attention none (the Sutskever encoder-decoder) for the side-by-side comparison; two such
runs may share the machine at the same time, since the budget counts each process's CPU time.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras  # noqa: E402
import numpy as np  # noqa: E402
from timing import CpuBudget, EpochTimer, clocked  # noqa: E402

from deeptoolkit import Translator  # noqa: E402
from deeptoolkit.data.parallel import read_pairs  # noqa: E402


def bleu(args):
    pairs, _ = read_pairs(args.data)
    order = np.random.default_rng(0).permutation(len(pairs))
    held = [pairs[i] for i in order[: args.held_out]]
    train = [pairs[i] for i in order[args.held_out :]]
    overrides = {key: json.loads(value) for key, value in (item.split("=", 1) for item in args.set)}
    attention = None if args.attention == "none" else args.attention
    translator = Translator(attention=attention, seed=0, **overrides)
    budget = CpuBudget(args.cpu_minutes * 60)
    _, train_wall, train_cpu = clocked(lambda: translator.fit(train, epochs=args.epochs, callbacks=[budget], verbose=0))
    trained_pairs = budget.epochs_trained * len(train) * (1 - translator.config["validation_split"])
    results = {"attention": args.attention, "config": translator.config, "parameters": translator.model.count_params(),
               "train_pairs": len(train), "held_out": len(held), "epochs_run": len(budget.points),
               "train_wall_s": round(train_wall), "train_cpu_s": round(train_cpu),
               "train_sentences_per_s": round(trained_pairs / train_wall, 1),
               "train_sentences_per_cpu_s": round(trained_pairs / train_cpu, 1), "curve": budget.points}
    for beam in (None, 4):
        scores, wall, cpu = clocked(lambda beam=beam: translator.evaluate(held, beam=beam))
        results[f"beam_{beam or 1}"] = {**scores, "decode_sentences_per_s": round(len(held) / wall, 1), "wall_s": round(wall, 1),
                                         "cpu_s": round(cpu, 1)}
        print(json.dumps(results[f"beam_{beam or 1}"]), flush=True)
    examples = [s for s, _ in held[:8]]
    results["examples"] = list(zip(examples, translator.translate(examples, beam=4)))
    print(json.dumps(results, indent=1, ensure_ascii=False))
    if args.save:
        translator.save(args.save)


# ---------------------------------------------------------------------------- plain-Keras reference
def reference_seq2seq(source_vocab, target_vocab, embedding_dim=128, units=256, dropout=0.1):
    """The toolkit's default network written directly in Keras: a bidirectional GRU encoder, a
    GRU decoder started from the encoder's final states, additive attention, Luong's attentional layer."""
    from keras import layers

    source = keras.Input((None,), dtype="int32")
    target_in = keras.Input((None,), dtype="int32")
    outputs, forward, backward = layers.Bidirectional(layers.GRU(units, return_sequences=True, return_state=True))(
        layers.Embedding(source_vocab, embedding_dim)(source), mask=keras.ops.not_equal(source, 0))
    state = layers.Dense(units, activation="tanh")(layers.Concatenate()([forward, backward]))
    memory = layers.Dense(units, use_bias=False)(outputs)
    decoded, _ = layers.GRU(units, return_sequences=True, return_state=True)(
        layers.Embedding(target_vocab, embedding_dim)(target_in), initial_state=state)
    context = layers.AdditiveAttention()([decoded, memory], mask=[None, keras.ops.not_equal(source, 0)])
    joined = layers.LayerNormalization()(layers.Concatenate()([decoded, context]))
    logits = layers.Dense(target_vocab, dtype="float32")(layers.Dropout(dropout)(layers.Dense(units, activation="tanh")(joined)))
    return keras.Model([source, target_in], logits)


def run_reference(pairs, epochs, batch_size=64, max_length=20):
    """Plain Keras as a practitioner writes it: every pair padded to max_length + 1, model.fit on arrays."""
    from deeptoolkit.data.parallel import tokenize
    from deeptoolkit.data.splits import stratified_split
    from deeptoolkit.data.word_vocabulary import WordVocabulary
    from deeptoolkit.tasks.optimizers import warmup_cosine

    tokens = [(tokenize(a), tokenize(b)) for a, b in pairs]
    kept, held = stratified_split(np.arange(len(tokens)), 0.1, 0)
    source_vocabulary = WordVocabulary.fit([tokens[i][0] for i in kept])
    target_vocabulary = WordVocabulary.fit([tokens[i][1] for i in kept])
    x = np.stack([source_vocabulary.encode(s, max_length) for s, _ in tokens])
    y_in = np.stack([target_vocabulary.encode(t, max_length + 1, start=True) for _, t in tokens])
    y_out = np.stack([target_vocabulary.encode(t, max_length + 1, end=True) for _, t in tokens])
    keras.utils.set_random_seed(0)
    model = reference_seq2seq(len(source_vocabulary), len(target_vocabulary))
    steps = -(-len(kept) // batch_size) * epochs
    model.compile(keras.optimizers.Adam(warmup_cosine(3e-3, steps, alpha=0.05), global_clipnorm=1.0),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0))
    timer = EpochTimer()
    model.fit([x[kept], y_in[kept]], y_out[kept], validation_data=([x[held], y_in[held]], y_out[held]), batch_size=batch_size,
              epochs=epochs, callbacks=[timer], verbose=0)
    return timer


def run_toolkit(pairs, epochs):
    translator = Translator(seed=0, epochs=epochs, patience=0)
    timer = EpochTimer()
    translator.fit(pairs, callbacks=[timer], verbose=0)
    return timer, translator


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="which", required=True)
    command = sub.add_parser("bleu")
    command.add_argument("--data", required=True)
    command.add_argument("--attention", choices=["additive", "dot", "none"], default="additive")
    command.add_argument("--cpu-minutes", type=float, default=30)
    command.add_argument("--epochs", type=int, default=None, help="Default: the toolkit's.")
    command.add_argument("--held-out", type=int, default=2000)
    command.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE", help="Override a default (JSON value).")
    command.add_argument("--save", default=None)
    args = parser.parse_args()
    {"bleu": bleu}[args.which](args)


if __name__ == "__main__":
    main()
