"""FaceVerifier on photos as people take them (issue 26): face detection, recalibration, domain flag.

    python benchmarks/face_photos.py detection --data ../shared/data/orl-faces
    python benchmarks/face_photos.py verification --data ../shared/data/orl-faces [--seed 0] [--detect none opencv dlib]

Composites: the photos of ORL's s31-s40 (and, for recalibration, s21-s30) pasted at 30-100% of
a 240x320 frame's height, at random places and turns of up to 10 degrees, into generated
textures (`deeptoolkit.data.face_composites`, seed 0; seed 1 for the recalibration set).

detection: recall of the face detector on the composites (IoU >= 0.5 with the pasted photo's
box) and on ORL's own photos, and its time per photo.

verification: for each `--detect` setting, a FaceVerifier with defaults trained on s1-s30; then
ORL unseen s31-s40 (10-fold accuracy, AUC), the s31-s40 composites at the model's own threshold
(and 10-fold, AUC, the share of photos flagged out of domain), and the same after
`calibrate` on the s21-s30 composites.
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from timing import clocked  # noqa: E402

from deeptoolkit import FaceVerifier  # noqa: E402
from deeptoolkit.data import face_composites, faces  # noqa: E402
from deeptoolkit.data.face_detection import FaceDetector, iou  # noqa: E402

TRAIN, UNSEEN, CALIBRATION = "s1-s30", "s31-s40", "s21-s30"
ORL_SIZE = (112, 92)


def composites(data, people, seed):
    photos = faces.load_faces(data, image_size=ORL_SIZE, people=people)
    scenes, boxes = face_composites.paste(photos.images, face_composites.textures(len(photos), seed=seed), seed=seed)
    return scenes, [photos.people[i] for i in photos.labels], boxes, photos


def detection(args):
    detector = FaceDetector()
    scenes, _, boxes, photos = composites(args.data, UNSEEN, 0)
    rows = {}
    for name, images, truth in (("composites s31-s40", scenes, boxes), ("ORL photos s31-s40", photos.images, None)):
        start, found, hits = time.perf_counter(), 0, 0
        for i, image in enumerate(images):
            boxes_found = detector.find(image)
            found += bool(boxes_found)
            hits += bool(boxes_found) and truth is not None and iou(boxes_found[0], truth[i]) >= 0.5
        seconds = time.perf_counter() - start
        rows[name] = {"photos": len(images), "found": found, "ms_per_photo": round(1000 * seconds / len(images), 1),
                      **({"recall_iou_0.5": round(hits / len(images), 4)} if truth is not None else {})}
    print(json.dumps(rows, indent=1))


def _scores(result):
    return {key: round(result[key], 4) for key in ("accuracy_at_threshold", "accuracy", "auc", "threshold", "in_domain")
            if result.get(key) is not None} | {"photos": result["photos"]}


def verification(args):
    unseen_scenes, unseen_people, _, _ = composites(args.data, UNSEEN, 0)
    calibration_scenes, calibration_people, _, _ = composites(args.data, CALIBRATION, 1)
    for detect in args.detect:
        # dlib: its pretrained descriptor, which finds and aligns the face itself (photos read at the scenes' size)
        config = dict(backbone="dlib-resnet", image_size=(240, 320)) if detect == "dlib" else {}
        detect = None if detect in ("none", "dlib") else detect
        verifier = FaceVerifier(seed=args.seed, detect=detect, **config)
        _, wall, cpu = clocked(lambda verifier=verifier: verifier.fit(args.data, people=TRAIN, verbose=0))
        row = {"detect": detect, "backbone": verifier.config["backbone"], "seed": args.seed, "train_wall_s": round(wall), "train_cpu_s": round(cpu),
               "orl_unseen": _scores(verifier.evaluate(args.data, people=UNSEEN)),
               "composites": _scores(verifier.evaluate(unseen_scenes, labels=unseen_people))}
        calibration = verifier.calibrate(calibration_scenes, labels=calibration_people)
        row["calibrated_on_s21_s30_composites"] = {"threshold": round(calibration["threshold"], 4),
                                                   "composites": _scores(verifier.evaluate(unseen_scenes, labels=unseen_people))}
        if args.out:
            verifier.save(os.path.join(args.out, f"{detect or 'none'}-{args.seed}.dtk"))
        print(json.dumps(row), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="which", required=True)
    command = sub.add_parser("detection")
    command.add_argument("--data", required=True)
    command = sub.add_parser("verification")
    command.add_argument("--data", required=True)
    command.add_argument("--seed", type=int, default=0)
    command.add_argument("--detect", nargs="+", default=["none", "opencv"], choices=["none", "opencv", "dlib"],
                         help="dlib: backbone dlib-resnet (issue 39), which finds faces itself")
    command.add_argument("--out", default=None, help="Save each trained model here.")
    args = parser.parse_args()
    {"detection": detection, "verification": verification}[args.which](args)


if __name__ == "__main__":
    main()
