"""Word vectors of a word-level CharRNN on the English side of fra-eng (issue 28).

    python benchmarks/word_vectors.py --data ../shared/data/fra-eng/fra.txt [--epochs 15] [--out DIR]

Trains CharRNN(unit="word") on the distinct English sentences of the file, shuffled with seed 0
(the file is sorted shortest first: the held-out last 10% would otherwise be its longest
sentences), reports held-out perplexity per word and the ten nearest words of a few probes (a
weekday, a colour, a number, a pronoun, a family word), and draws DIR/words.png.
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

PROBES = ("monday", "red", "three", "she", "mother", "car", "happy")


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
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--out", default=".")
    parser.add_argument("--map-words", type=int, default=250)
    parser.add_argument("--probes", nargs="+", default=list(PROBES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        corpus = os.path.join(folder, "english.txt")
        sentences = english_sentences(args.data)
        with open(corpus, "w", encoding="utf-8") as handle:
            handle.write("\n".join(sentences) + "\n")
        writer = CharRNN(unit="word", sequence_length=35, embedding_dim=128, units=256, layers=1, dropout=0.3,
                         epochs=args.epochs, patience=3, seed=0, sample_length=0)
        start, cpu = time.perf_counter(), time.process_time()
        writer.fit(corpus, verbose=2)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        scores = writer.evaluate()
    nearest = {probe: [[w, round(s, 3)] for w, s in writer.nearest_words(probe)] for probe in args.probes}
    for probe, words in nearest.items():
        print(f"{probe:>8}: " + ", ".join(f"{w} {s:.2f}" for w, s in words))
    figure = writer.draw_word_map(os.path.join(args.out, "words.png"), words=args.map_words)
    print(json.dumps({"sentences": len(sentences), "vocabulary": len(writer.vocabulary) - 1, "epochs": len(writer.history["loss"]),
                      "perplexity": round(scores["perplexity"], 2), "bits_per_word": round(scores["bits_per_word"], 3),
                      "held_out_words": scores["words"], "fit_wall_s": round(wall), "fit_cpu_s": round(cpu), "figure": figure,
                      "nearest": nearest}))


if __name__ == "__main__":
    main()
