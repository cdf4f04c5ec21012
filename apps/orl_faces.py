"""Face verification of people never seen in training (FaceNet-style embeddings, ORL/AT&T faces).

Trains a FaceVerifier with the toolkit's defaults on people s1-s30 of the ORL folder, scores
every genuine pair of the unseen s31-s40 and as many impostor pairs with the LFW 10-fold
protocol, then verifies a few pairs of photos of the unseen people. --plots writes the ROC
curve and the genuine/impostor distance histograms.

    python apps/orl_faces.py ../shared/data/orl-faces [--epochs N] [--seed N] [--plots DIR] [--set NAME=VALUE ...]
"""

import argparse
import os
import time

from common import add_set_option, overrides

from deeptoolkit import FaceVerifier, plots


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="The ORL folder (s1/1.pgm ... s40/10.pgm).")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plots", default=None)
    add_set_option(parser)
    args = parser.parse_args()

    verifier = FaceVerifier(**{"seed": args.seed, **overrides(parser, args)})
    start = time.perf_counter()
    verifier.fit(args.folder, people="s1-s30", epochs=args.epochs, verbose=2)
    print(f"trained {len(verifier.history['loss'])} epochs in {time.perf_counter() - start:.0f} s; "
          f"calibrated threshold {verifier.threshold:.3f}")
    scores = verifier.evaluate(args.folder, people="s31-s40", return_distances=True)
    print(f"unseen people s31-s40: 10-fold accuracy {scores['accuracy']:.4f} +- {scores['accuracy_std']:.4f}, "
          f"AUC {scores['auc']:.4f}, EER {scores['eer']:.4f} ({scores['pairs']} pairs)")
    photo = lambda person, n: os.path.join(args.folder, person, f"{n}.pgm")  # noqa: E731
    for a, b in ((photo("s31", 1), photo("s31", 7)), (photo("s35", 2), photo("s35", 9)), (photo("s31", 1), photo("s35", 2)),
                 (photo("s38", 4), photo("s40", 4))):
        result = verifier.verify(a, b)
        verdict = "same person" if result["same"] else "different people"
        print(f"{os.path.relpath(a, args.folder)} vs {os.path.relpath(b, args.folder)}: {verdict} "
              f"(distance {result['distance']:.3f}, confidence {result['confidence']:.2f})")
    if args.plots:
        print(f"wrote {plots.verification_roc(scores['distances'], scores['same'], os.path.join(args.plots, 'roc.png'))}")
        path = os.path.join(args.plots, "distances.png")
        print(f"wrote {plots.distance_histograms(scores['distances'], scores['same'], verifier.threshold, path)}")


if __name__ == "__main__":
    main()
