"""Word vectors of a word-level CharRNN on the English side of fra-eng (issues 28, 36).

    python benchmarks/word_vectors.py --data ../shared/data/fra-eng/fra.txt [--epochs 4] [--out DIR] [--set NAME=VALUE ...]

Trains CharRNN(unit="word") on the distinct English sentences of the file, shuffled with seed 0
(the file is sorted shortest first: the held-out last 10% would otherwise be its longest
sentences), reports held-out perplexity per word, fit time (wall and CPU), the ten nearest words
of the first word of five groups (days, colours, numbers, pronouns, family words) and whether a
word of the same group is among them, and draws DIR/words.png. --set overrides a constructor
argument (a JSON value), e.g. tie_embeddings=false for the untied network.
"""

import argparse
import json
import os
import random
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from deeptoolkit import CharRNN  # noqa: E402

# The first word of each group is the probe; a hit is any other word of its group among its ten nearest.
GROUPS = {
    "days": "sunday monday tuesday wednesday thursday friday saturday".split(),
    "colours": "red blue green yellow black white brown pink orange purple gray grey".split(),
    "numbers": "three one two four five six seven eight nine ten".split(),
    "pronouns": "she he i you we they it".split(),
    "family": "mother father brother sister son daughter wife husband uncle aunt mom dad parents grandmother grandfather".split(),
}


def english_sentences(path):
    seen, sentences = set(), []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            english = line.split("\t")[0].strip()
            if english and english not in seen:
                seen.add(english)
                sentences.append(english)
    random.Random(0).shuffle(sentences)
    return sentences


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--out", default=".")
    parser.add_argument("--map-words", type=int, default=250)
    parser.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE", help="Override a default (JSON value).")
    args = parser.parse_args()
    overrides = {key: json.loads(value) for key, value in (item.split("=", 1) for item in args.set)}
    with tempfile.TemporaryDirectory() as folder:
        corpus = os.path.join(folder, "english.txt")
        sentences = english_sentences(args.data)
        with open(corpus, "w", encoding="utf-8") as handle:
            handle.write("\n".join(sentences) + "\n")
        writer = CharRNN(**{**dict(unit="word", sequence_length=35, embedding_dim=128, units=256, layers=1, dropout=0.3,
                                   epochs=args.epochs, patience=3, seed=0, sample_length=0), **overrides})
        start, cpu = time.perf_counter(), time.process_time()
        writer.fit(corpus, verbose=2)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        scores = writer.evaluate()
    nearest = {words[0]: [[w, round(s, 3)] for w, s in writer.nearest_words(words[0])] for words in GROUPS.values()}
    hits = {group: [w for w, _ in nearest[words[0]] if w in words] for group, words in GROUPS.items()}
    for group, words in GROUPS.items():
        print(f"{group:>8} {words[0]:>7}: " + ", ".join(f"{w} {s:.2f}" for w, s in nearest[words[0]]) + f"  (same group: {hits[group]})")
    figure = writer.draw_word_map(os.path.join(args.out, "words.png"), words=args.map_words)
    print(json.dumps({"config": overrides, "groups_with_a_same_group_neighbour": sum(bool(h) for h in hits.values()), "hits": hits,
                      "sentences": len(sentences), "vocabulary": len(writer.vocabulary) - 1, "epochs": len(writer.history["loss"]),
                      "perplexity": round(scores["perplexity"], 2), "bits_per_word": round(scores["bits_per_word"], 3),
                      "held_out_words": scores["words"], "fit_wall_s": round(wall), "fit_cpu_s": round(cpu), "figure": figure,
                      "nearest": nearest}))


if __name__ == "__main__":
    main()
