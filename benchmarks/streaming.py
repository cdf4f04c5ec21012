"""An image folder larger than one wants in memory streams through the pipeline with flat memory (issue 8).

    python benchmarks/streaming.py [--images 100000] [--size 28]

Writes --images small PNG files (10 class folders of random-noise digits-sized pictures) into a
temporary folder, lists it as the ImageClassifier does (every file probed, so corrupt ones can be
skipped), then makes one pass over the toolkit's training pipeline for that folder (decode,
resize, shuffle buffer, batch, prefetch; no cache, since the folder is streamed), sampling the
process's resident memory every 0.2 s. Reports images/s of listing and of the pass, and resident
memory at the start of the pass, its peak, and at the end.
"""

import argparse
import json
import os
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import psutil  # noqa: E402
from PIL import Image  # noqa: E402

from deeptoolkit import ImageClassifier  # noqa: E402


def write_folder(root, count, size, classes=10):
    rng = np.random.default_rng(0)
    for label in range(classes):
        os.makedirs(os.path.join(root, str(label)), exist_ok=True)
    for index in range(count):
        pixels = rng.integers(0, 255, (size, size), dtype="uint8")
        Image.fromarray(pixels).save(os.path.join(root, str(index % classes), f"{index:06d}.png"))


class MemorySampler(threading.Thread):
    """Resident memory of this process every `every` seconds until stopped."""

    def __init__(self, every=0.2):
        super().__init__(daemon=True)
        self.every, self.samples, self.running = every, [], True
        self.process = psutil.Process()

    def run(self):
        while self.running:
            self.samples.append(self.process.memory_info().rss / 2**20)
            time.sleep(self.every)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=100_000)
    parser.add_argument("--size", type=int, default=28)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        start = time.perf_counter()
        write_folder(root, args.images, args.size)
        written = time.perf_counter() - start
        classifier = ImageClassifier(seed=0, validation_split=0)
        start = time.perf_counter()
        training = classifier.training_pipelines(root, batch_size=256)
        listed = time.perf_counter() - start
        sampler = MemorySampler()
        sampler.start()
        time.sleep(0.5)
        start, count, at_start = time.perf_counter(), 0, sampler.samples[-1]
        for images, _ in training.train:
            count += int(images.shape[0])
        seconds = time.perf_counter() - start
        sampler.running = False
        sampler.join()
        pass_samples = sampler.samples[2:]
        print(json.dumps({
            "images": count, "size": args.size, "write_s": round(written, 1), "list_s": round(listed, 1),
            "list_images_per_s": round(args.images / listed), "pass_s": round(seconds, 1), "pass_images_per_s": round(count / seconds),
            "rss_mb_start": round(at_start), "rss_mb_peak": round(max(pass_samples)), "rss_mb_end": round(pass_samples[-1]),
            "rss_mb_first_tenth_median": round(float(np.median(pass_samples[: max(1, len(pass_samples) // 10)]))),
            "rss_mb_last_tenth_median": round(float(np.median(pass_samples[-max(1, len(pass_samples) // 10):]))),
        }))


if __name__ == "__main__":
    main()
