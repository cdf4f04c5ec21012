"""Photos as people take them, made from face photos: each face pasted into a larger scene.

A face is scaled to a random fraction of the frame's height, turned by a small random angle
and pasted at a random place into a background (given pictures, or generated textures), so a
verifier that squeezes the whole frame sees mostly background and one that finds the face has
to find it. The pasted box is returned, to score a detector by IoU.
"""

import numpy as np

from deeptoolkit.errors import DeeptoolkitError

FRAME = (240, 320)  # (height, width) of a generated scene


def textures(count, size=FRAME, channels=1, seed=0):
    """`count` uint8 backgrounds (N, H, W, channels): smooth random blobs, stripes and noise."""
    rng = np.random.default_rng(seed)
    height, width = size
    y, x = np.mgrid[0:height, 0:width] / max(height, width)
    scenes = []
    for _ in range(count):
        scene = np.full((height, width), rng.uniform(60, 190))
        for _ in range(rng.integers(3, 8)):  # soft blobs of light and shade
            cy, cx, radius = rng.uniform(0, 1), rng.uniform(0, 1.4), rng.uniform(0.05, 0.4)
            scene += rng.uniform(-70, 70) * np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * radius**2))
        angle, frequency = rng.uniform(0, np.pi), rng.uniform(4, 30)  # a striped surface
        scene += rng.uniform(0, 25) * np.sin(frequency * 2 * np.pi * (x * np.cos(angle) + y * np.sin(angle)))
        scene += rng.normal(0, rng.uniform(2, 10), scene.shape)
        scene = np.clip(scene, 0, 255)[..., None]
        if channels == 3:
            scene = scene * rng.uniform(0.7, 1.2, 3)
        scenes.append(np.clip(scene, 0, 255).astype("uint8"))
    return np.stack(scenes)


def paste(faces, backgrounds, seed=0, heights=(0.3, 1.0), max_turn=10.0):
    """(scenes, boxes): each face of uint8 `faces` (N, h, w, C) pasted into a background.

    backgrounds: uint8 (M, H, W, C), used in turn (a random crop when larger than the frame is
    not wanted: pass them at the size the scenes should have). heights: the face's height as
    a fraction of the frame's. max_turn: the largest rotation, in degrees. boxes: (N, 4)
    x, y, width, height of the pasted face photo in the scene (before turning).
    """
    import cv2

    faces, backgrounds = np.asarray(faces), np.asarray(backgrounds)
    if faces.ndim != 4 or backgrounds.ndim != 4 or faces.shape[-1] != backgrounds.shape[-1]:
        raise DeeptoolkitError(f"Expected faces (N, h, w, C) and backgrounds (M, H, W, C) with the same channels. "
                               f"Received: faces {faces.shape}, backgrounds {backgrounds.shape}")
    rng = np.random.default_rng(seed)
    scenes, boxes = [], []
    for i, face in enumerate(faces):
        scene = backgrounds[i % len(backgrounds)].copy()
        frame_h, frame_w = scene.shape[:2]
        height = int(round(rng.uniform(*heights) * frame_h))
        width = min(frame_w, int(round(height * face.shape[1] / face.shape[0])))
        resized = cv2.resize(face, (width, height), interpolation=cv2.INTER_AREA).reshape(height, width, -1)
        turn = cv2.getRotationMatrix2D((width / 2, height / 2), rng.uniform(-max_turn, max_turn), 1.0)
        turned = cv2.warpAffine(resized, turn, (width, height), borderMode=cv2.BORDER_REPLICATE).reshape(height, width, -1)
        top, left = int(rng.integers(0, frame_h - height + 1)), int(rng.integers(0, frame_w - width + 1))
        scene[top : top + height, left : left + width] = turned
        scenes.append(scene)
        boxes.append((left, top, width, height))
    return np.stack(scenes), np.asarray(boxes, "float32")
