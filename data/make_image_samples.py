"""Regenerate data/images/digits/: held-out test digits as a class-per-folder sample.

One image per class in png, jpg and bmp, scaled from the
digits' 0..16 to 0..255 and kept at 8x8, so that a model trained on builtin:digits can
predict on them and `--data data/images/digits` shows the folder format.

    python data/make_image_samples.py
"""

import os

import numpy as np
from PIL import Image

from deeptoolkit.data.images import load_digits

# No .pgm here: the repository check reads .pgm files as copies of the ORL faces; the
# tests write their own PGM files instead.
FORMATS = ("png", "jpg", "bmp")


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "images", "digits")
    test = load_digits().test
    for label in range(10):
        picked = np.flatnonzero(test.labels == label)[: len(FORMATS)]
        os.makedirs(os.path.join(root, str(label)), exist_ok=True)
        for n, (index, fmt) in enumerate(zip(picked, FORMATS)):
            pixels = np.round(test.images[index, ..., 0] * 255 / 16).astype("uint8")
            Image.fromarray(pixels).save(os.path.join(root, str(label), f"{n}.{fmt}"), quality=95)
    print(f"wrote {root}")


if __name__ == "__main__":
    main()
