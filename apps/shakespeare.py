"""A character-level LSTM learns to write like Shakespeare (Karpathy's char-rnn experiment).

Trains CharRNN with the toolkit's defaults on a text file (first 90% train, last 10%
validation), reports the held-out loss, and prints samples at a few temperatures: low ones
repeat the likeliest words, high ones invent more (and misspell more).

    python apps/shakespeare.py ../shared/data/tinyshakespeare/input.txt [--epochs N] [--save model.dtk] [--set NAME=VALUE ...]
"""

import argparse
import time

from common import add_set_option, overrides

from deeptoolkit import CharRNN


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text", help="A UTF-8 text file, e.g. tinyshakespeare's input.txt.")
    parser.add_argument("--epochs", type=int, default=None, help="Default: the toolkit's (about 20 minutes on 2 CPU cores).")
    parser.add_argument("--prime", default="ROMEO:\n")
    parser.add_argument("--length", type=int, default=400)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--save", default=None, help="Also save the model here.")
    add_set_option(parser)
    args = parser.parse_args()

    writer = CharRNN(**{"seed": args.seed, **overrides(parser, args)})
    start = time.perf_counter()
    writer.fit(args.text, epochs=args.epochs, verbose=2)
    minutes = (time.perf_counter() - start) / 60
    scores = writer.evaluate()
    print(f"\nheld-out loss {scores['loss']:.3f} nats/char ({scores['bits_per_character']:.3f} bits/char) "
          f"after {len(writer.history['loss'])} epochs, {minutes:.1f} min, precision {writer.state['precision']}")
    if args.save:
        print(f"saved {writer.save(args.save)}")
    for temperature in (0.5, 0.8, 1.0):
        print(f"\n===== temperature {temperature} =====\n{args.prime}"
              f"{writer.generate(args.prime, args.length, temperature=temperature, seed=args.seed)}")


if __name__ == "__main__":
    main()
