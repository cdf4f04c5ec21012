"""Finding the face in a photo: OpenCV's Haar cascades, turned upright by the eyes, cropped.

The frontal-face and eye cascades ship inside opencv-python-headless (no download; OpenCV 5
moved the cascade classifier out of the wheel, hence the < 5 pin in setup.cfg). A photo is
padded with its own border before detecting, so faces cropped tight to the frame are found
too (ORL: 398 of 400 photos, 350 unpadded); small photos are enlarged first, since the
cascade's smallest window is 24 pixels. The largest face is kept.
"""

import math
from typing import NamedTuple

import numpy as np

from deeptoolkit.errors import DeeptoolkitError

DETECTORS = ("opencv",)
# Of the face box's side, added on each side. The cascade's box already spans brow to chin; a
# margin brings in what surrounds the face, which in a new photo is background
# (benchmarks/README.md, "FaceVerifier").
MARGIN = 0.0
DETECT_SIDE = 160  # photos smaller than this are enlarged before detecting
MAX_TILT_DEGREES = 30  # eye pairs steeper than this are more likely a mistake than a tilted head


class FaceBox(NamedTuple):
    """A face found in a photo, in its pixels: the box, and the head's tilt by the eyes."""

    x: float
    y: float
    width: float
    height: float
    angle: float = 0.0  # degrees, by which the photo is turned to bring the eyes level
    eyes: bool = False  # whether both eyes were found (and the angle measured)

    def as_dict(self):
        return {"x": round(self.x, 1), "y": round(self.y, 1), "width": round(self.width, 1), "height": round(self.height, 1),
                "angle": round(self.angle, 1), "eyes": self.eyes}


def check_detect(detect):
    if detect is not None and detect not in DETECTORS:
        raise DeeptoolkitError(f"detect must be None (use the whole photo) or one of {list(DETECTORS)}. Received: detect={detect!r}")
    return detect


class FaceDetector:
    """Boxes of the faces in uint8 photos (H, W) or (H, W, C), largest first."""

    def __init__(self, margin=MARGIN):
        import cv2  # imported here: the toolkit's import and CLI help do not pay for OpenCV

        self.cv2 = cv2
        self.margin = margin
        self.faces = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
        self.eyes = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_eye.xml")
        if self.faces.empty() or self.eyes.empty():
            raise DeeptoolkitError(f"OpenCV's Haar cascades could not be read from {cv2.data.haarcascades}: "
                                   "reinstall opencv-python-headless (below version 5)")

    def find(self, photo):
        """Every face box in `photo`, largest first."""
        cv2 = self.cv2
        grey = _grey(photo)
        scale = max(1.0, DETECT_SIDE / min(grey.shape))
        if scale > 1.0:
            grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
        grey = cv2.equalizeHist(grey)
        pad = int(0.25 * max(grey.shape))
        padded = cv2.copyMakeBorder(grey, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        found = self.faces.detectMultiScale(padded, scaleFactor=1.1, minNeighbors=5, minSize=(24, 24))
        boxes = []
        for x, y, w, h in sorted(found, key=lambda box: -int(box[2]) * int(box[3])):
            angle, both = self._tilt(padded[y : y + h, x : x + w])
            boxes.append(FaceBox(float(x - pad) / scale, float(y - pad) / scale, float(w) / scale, float(h) / scale, angle, both))
        return boxes

    def _tilt(self, face):
        """Degrees of the line through both eyes (0 when they are not both found)."""
        side = face.shape[0]
        upper = face[: int(0.6 * side)]
        found = self.eyes.detectMultiScale(upper, scaleFactor=1.1, minNeighbors=5, minSize=(max(8, side // 10),) * 2,
                                           maxSize=(side // 2,) * 2)
        centres = [(x + w / 2, y + h / 2) for x, y, w, h in found]
        left = [c for c in centres if c[0] < side / 2]
        right = [c for c in centres if c[0] >= side / 2]
        if not left or not right:
            return 0.0, False
        (lx, ly), (rx, ry) = min(left, key=lambda c: c[1]), min(right, key=lambda c: c[1])
        angle = math.degrees(math.atan2(ry - ly, rx - lx))
        return (angle, True) if abs(angle) <= MAX_TILT_DEGREES else (0.0, False)

    def crop(self, photo, box, size):
        """The face of `box`, turned upright and enlarged by the margin, resized to `size` (H, W)."""
        cv2 = self.cv2
        height, width = size
        side = max(box.width, box.height) * (1 + 2 * self.margin)
        scale = side / height  # source pixels per output pixel
        if scale > 2:  # shrink first, averaging pixels, so the turn and crop below do not alias
            shrunk = cv2.resize(photo, None, fx=2 / scale, fy=2 / scale, interpolation=cv2.INTER_AREA)
            photo = shrunk.reshape(*shrunk.shape[:2], *photo.shape[2:])  # OpenCV drops a single channel axis
            box = FaceBox(*(v * 2 / scale for v in box[:4]), box.angle, box.eyes)
            scale = 2.0
        centre_x, centre_y = box.x + box.width / 2, box.y + box.height / 2
        turn = math.radians(box.angle)
        cos, sin = math.cos(turn) * scale, math.sin(turn) * scale
        # Output pixel (u, v) reads the source at centre + R(angle) (u - W/2, v - H/2) * scale.
        matrix = np.array([[cos, -sin, centre_x - cos * width / 2 + sin * height / 2],
                           [sin, cos, centre_y - sin * width / 2 - cos * height / 2]], "float64")
        out = cv2.warpAffine(np.ascontiguousarray(photo), matrix, (width, height), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                             borderMode=cv2.BORDER_REPLICATE)
        return out.reshape(height, width, *photo.shape[2:])


def _grey(photo):
    photo = np.asarray(photo)
    if photo.ndim == 3 and photo.shape[-1] == 3:
        photo = np.round(photo @ np.array([0.299, 0.587, 0.114])).astype("uint8")
    elif photo.ndim == 3:
        photo = photo[..., 0]
    return np.ascontiguousarray(photo, "uint8")


def iou(a, b):
    """Intersection over union of two boxes (x, y, width, height)."""
    ax, ay, aw, ah = a[:4]
    bx, by, bw, bh = b[:4]
    inter = max(0.0, min(ax + aw, bx + bw) - max(ax, bx)) * max(0.0, min(ay + ah, by + bh) - max(ay, by))
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0
