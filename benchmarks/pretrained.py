"""Pretrained starts against from scratch (issue 39), side by side on the same data.

    python benchmarks/pretrained.py classifier --data ../shared/data/orl-faces [--shots 3] [--seeds 0 1]

`classifier`: ORL's 40 people as 40 classes, photos 1..shots of each for training and the
other 10 - shots for testing; the ImageClassifier's default LeNet-5, MobileNetV2 from random
weights, and MobileNetV2 from torchvision's ImageNet weights (frozen, then fine-tuned).

The other comparisons run the task's own benchmark with and without the pretrained start:
`captioner.py flickr --set backbone='"mobilenet_v2"' 'image_size=[224,224]'`,
`face_verifier.py accuracy --set backbone='"dlib-resnet"'`, `face_photos.py verification --detect
none opencv dlib`, `word_vectors.py --set word_vectors='"glove-6b-50d"'` and `translator.py bleu
--set source_vectors='"glove-6b-50d"'` (benchmarks/README.md, "Pretrained starts").
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
from timing import clocked  # noqa: E402

from deeptoolkit import ImageClassifier  # noqa: E402


def orl_photos(folder, shots):
    """(train images, train labels, test images, test labels, class names) of ORL's people."""
    from PIL import Image

    people = sorted((p for p in os.listdir(folder) if os.path.isdir(os.path.join(folder, p))), key=lambda p: int(p[1:]))
    parts = {"train": ([], []), "test": ([], [])}
    for label, person in enumerate(people):
        for index in range(1, 11):
            image = np.asarray(Image.open(os.path.join(folder, person, f"{index}.pgm")), np.float32)[..., None]
            images, labels = parts["train" if index <= shots else "test"]
            images.append(image)
            labels.append(label)
    (train_x, train_y), (test_x, test_y) = ((np.asarray(x), np.asarray(y)) for x, y in parts.values())
    return train_x, train_y, test_x, test_y, people


CLASSIFIERS = {
    "lenet5 (default, scratch)": dict(),
    "mobilenet_v2 scratch": dict(backbone="mobilenet_v2", pretrained=False, epochs=40, patience=10, learning_rate=1e-3),
    "mobilenet_v2 pretrained": dict(backbone="mobilenet_v2", epochs=15, fine_tune_epochs=10, learning_rate=3e-3),
}


def classifier(args):
    train_x, train_y, test_x, test_y, people = orl_photos(args.data, args.shots)
    rows = []
    for seed in args.seeds:
        for name, config in CLASSIFIERS.items():
            model = ImageClassifier(seed=seed, validation_split=0, batch_size=16, **config)
            _, wall, cpu = clocked(lambda model=model: model.fit(train_x, train_y, verbose=0))
            predicted = np.argmax(model.predict_proba(test_x), axis=-1)
            rows.append({"model": name, "seed": seed, "accuracy": round(float(np.mean(predicted == test_y)), 4),
                         "epochs": len(model.history["loss"]), "train_wall_s": round(wall), "train_cpu_s": round(cpu)})
            print(json.dumps(rows[-1]), flush=True)
    print(json.dumps({"people": len(people), "train_photos": len(train_x), "test_photos": len(test_x), "runs": rows}, indent=1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    command = sub.add_parser("classifier")
    command.add_argument("--data", required=True)
    command.add_argument("--shots", type=int, default=3)
    command.add_argument("--seeds", type=int, nargs="+", default=[0])
    args = parser.parse_args()
    {"classifier": classifier}[args.command](args)


if __name__ == "__main__":
    main()
