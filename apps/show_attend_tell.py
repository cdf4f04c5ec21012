"""Show, Attend and Tell from scratch: caption photos of a Flickr8k-format folder (Xu et al. 2015).

Reads a folder with `captions.txt` (`image,caption` CSV) or `Flickr8k.token.txt` and the images
(in `images/` or `Images/`), sorts the images by name, trains a Captioner on all but the last
--test images, reports BLEU-1..4 on those against their reference captions, and captions a
few of them; --attention-map writes the per-word attention figure of the first.

    python apps/show_attend_tell.py ../shared/data/flickr8k-1000 [--epochs N] [--attention-map attention.png] [--set NAME=VALUE ...]
"""

import argparse
import time

from common import add_set_option, overrides

from deeptoolkit import Captioner, plots
from deeptoolkit.data.captions import read_captions


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="A Flickr8k-format folder: caption file and images.")
    parser.add_argument("--test", type=int, default=100, help="Hold out the last N images by name.")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--beam", type=int, default=3)
    parser.add_argument("--attention-map", default=None)
    add_set_option(parser)
    args = parser.parse_args()

    images = read_captions(args.folder)  # sorted by image name
    cut = len(images) - args.test
    train, test = images.take(range(cut)), images.take(range(cut, len(images)))
    captioner = Captioner(**{"image_size": (128, 128), "dropout": 0.3, "patience": 8, "seed": 0, **overrides(parser, args)})
    start = time.perf_counter()
    captioner.fit(train, epochs=args.epochs, verbose=2)
    print(f"trained {len(captioner.history['loss'])} epochs on {len(train)} images in {(time.perf_counter() - start) / 60:.1f} min")
    scores = captioner.evaluate(test, beam=args.beam)
    print(f"{len(test)} held-out images, beam {args.beam}: " + ", ".join(f"BLEU-{n} {100 * scores[f'bleu{n}']:.1f}" for n in range(1, 5)))
    shown = list(test.paths[:5])
    for path, caption in zip(shown, captioner.caption(shown, beam=args.beam)):
        print(f"{path}: {caption}")
    if args.attention_map:
        result = captioner.caption(shown[0], beam=args.beam, return_attention=True)
        print(f"wrote {plots.caption_attention(result['image'], result['words'], result['attention'], args.attention_map)}")


if __name__ == "__main__":
    main()
