"""LeNet-5 on scikit-learn's 8x8 digits (LeCun et al. 1998, the review's Fig. 2 lineage).

Trains with the toolkit's defaults on the stratified 80% split and prints the accuracy on
the held-out 20% (seed 0). On this split an RBF SVM scores 0.989.

    python apps/digits.py [--seed N] [--epochs N] [--set NAME=VALUE ...]
"""

import argparse
import time

from common import add_set_option, overrides

from deeptoolkit import ImageClassifier


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None, help="Default: the toolkit's.")
    add_set_option(parser)
    args = parser.parse_args()

    classifier = ImageClassifier(**{"architecture": "lenet5", "seed": args.seed, **overrides(parser, args)})
    start = time.perf_counter()
    classifier.fit("builtin:digits", epochs=args.epochs, verbose=2)
    seconds = time.perf_counter() - start
    metrics = classifier.evaluate()
    print(f"LeNet-5 on digits: test accuracy {metrics['accuracy']:.4f} "
          f"({metrics['examples']} images, {len(classifier.history['loss'])} epochs, {seconds:.1f} s)")


if __name__ == "__main__":
    main()
