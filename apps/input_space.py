"""A multilayer net distorts the input space (the review's first figure).

Two classes of points on two curves that no line separates; a net with two inputs, two tanh
hidden units and one output learns them. Writes input_space.png (the data and a regular grid in
input space; the grid and data as the hidden units see them; the output's decision line there)
and prints, as its last line, how well a line separates the points in each space.

    python apps/input_space.py [--out DIR] [--seed N] [--steps N]
"""

import argparse
import json
import os

from deeptoolkit.tasks.input_space import learn_input_space


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="Folder for input_space.png.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=600, help="Full-batch training steps.")
    args = parser.parse_args()
    result = learn_input_space(seed=args.seed, steps=args.steps, out=os.path.join(args.out, "input_space.png"))
    print(f"wrote {result['figure']}; the net classifies {result['net_accuracy']:.3f} of the points")
    print(json.dumps({key: result[key] for key in ("input_space_linear_accuracy", "hidden_space_linear_accuracy", "net_accuracy", "seed")}))


if __name__ == "__main__":
    main()
