"""An encoder-decoder with attention learns to translate English into French (Bahdanau et al. 2015).

Trains a Translator with the toolkit's defaults on a Tatoeba/Anki file (English<TAB>French),
holding out 2,000 pairs at random (seed 0), reports BLEU-4 with beam search and prints a few
translations; --attention-map writes the source-target heatmap of the first one.

    python apps/english_french.py ../shared/data/fra-eng/fra.txt [--epochs N] [--test N] [--attention-map map.png] [--set NAME=VALUE ...]
"""

import argparse
import time

import numpy as np
from common import add_set_option, overrides

from deeptoolkit import Translator, plots
from deeptoolkit.data.parallel import read_pairs

SENTENCES = ["I am cold.", "Where is the station?", "We love music.", "She is reading a book.", "Tom didn't come."]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pairs", help="A Tatoeba/Anki file such as fra.txt.")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--beam", type=int, default=4)
    parser.add_argument("--attention-map", default=None)
    parser.add_argument("--test", type=int, default=2000, help="Pairs held out at random (seed 0) and scored.")
    add_set_option(parser)
    args = parser.parse_args()

    pairs, _ = read_pairs(args.pairs)
    order = np.random.default_rng(0).permutation(len(pairs))
    held, train = [pairs[i] for i in order[: args.test]], [pairs[i] for i in order[args.test:]]
    translator = Translator(**{"seed": 0, **overrides(parser, args)})
    start = time.perf_counter()
    translator.fit(train, epochs=args.epochs, verbose=2)
    print(f"trained {len(translator.history['loss'])} epochs in {(time.perf_counter() - start) / 60:.1f} min")
    scores = translator.evaluate(held, beam=args.beam)
    print(f"held-out BLEU-4 (beam {args.beam}): {100 * scores['bleu4']:.1f}, token accuracy {scores['token_accuracy']:.3f}")
    for sentence, translation in zip(SENTENCES, translator.translate(SENTENCES, beam=args.beam)):
        print(f"{sentence}  ->  {translation}")
    if args.attention_map:
        weights = translator.attention(SENTENCES[0], beam=args.beam)
        print(f"wrote {plots.translation_attention(weights['source'], weights['target'], weights['weights'], args.attention_map)}")


if __name__ == "__main__":
    main()
