"""A memory network reads a story about the ring and answers where things are (Weston et al. 2014).

Trains MemNN with default settings on generated bAbI-style stories (a few minutes on a CPU),
then answers three questions about the review's example story, with the sentences each hop
attended to.

    python apps/lord_of_the_rings.py [--seed N] [--save lotr.dtk] [--epochs N] [--set NAME=VALUE ...]
"""

import argparse
import time

from common import add_set_option, overrides

from deeptoolkit import MemNN
from deeptoolkit.data.story_world import REVIEW_QUESTIONS as QUESTIONS
from deeptoolkit.data.story_world import REVIEW_STORY as STORY


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--save", default=None, help="Also save the trained model here.")
    parser.add_argument("--epochs", type=int, default=None, help="Default: the toolkit's.")
    add_set_option(parser)
    args = parser.parse_args()

    reader = MemNN(**{"seed": args.seed, **overrides(parser, args)})
    start = time.perf_counter()
    reader.fit(epochs=args.epochs, verbose=2)
    scores = reader.evaluate()
    print(f"trained in {time.perf_counter() - start:.0f} s; held-out accuracy on generated stories: {scores['accuracy']:.4f}")
    for kind, score in scores["per_kind"].items():
        print(f"   {kind:34s} {score['accuracy']:.3f}  ({score['questions']} questions)")
    if args.save:
        reader.save(args.save)
    print()
    print(STORY)
    right = 0
    for question, expected in QUESTIONS.items():
        result = reader.answer(STORY, question, top_k=2)
        right += result["answer"] == expected
        print(f"\n{question:22s} -> {result['answer']}  (p={result['probability']:.2f}; expected {expected})")
        for hop, attended in enumerate(result["hops"], start=1):
            print(f"   hop {hop}: " + "; ".join(f"{a['sentence']} ({a['weight']:.2f})" for a in attended))
    print(f"\n{right} of {len(QUESTIONS)} answers right")


if __name__ == "__main__":
    main()
