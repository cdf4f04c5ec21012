"""Synthetic identities: the FaceVerifier's embedded default data, generated, never downloaded.

Each "person" is a fixed set of face parameters (face shape, skin tone, eye spacing and size,
brows, nose, mouth, hairline and hair texture); each "photo" renders them with its own pose
(shift, rotation, scale, a turn of the head), lighting (direction, strength, exposure) and
sensor noise. Two photos of one person therefore differ more in pixels than two people
photographed alike often do, which is what a verifier has to see through.

Everything follows from the seed: person p of seed s is the same face on every machine.
"""

import numpy as np

SIZE = 48
BUILTIN = "builtin:synthetic-faces"
TRAIN_PEOPLE, TRAIN_PHOTOS = 100, 10
UNSEEN_PEOPLE, UNSEEN_PHOTOS = 40, 10
TRAIN_SEED, UNSEEN_SEED = 0, 1

_RANGES = {  # in units of the image half-width
    "face_w": (0.50, 0.78), "face_h": (0.70, 0.92), "skin": (0.40, 0.85), "eye_dx": (0.16, 0.30),
    "eye_y": (-0.22, -0.05), "eye_r": (0.035, 0.085), "eye_dark": (0.0, 0.25), "brow_gap": (0.06, 0.14),
    "brow_tilt": (-0.25, 0.25), "brow_w": (0.015, 0.04), "nose_len": (0.10, 0.28), "nose_w": (0.03, 0.08),
    "mouth_y": (0.22, 0.42), "mouth_w": (0.10, 0.30), "smile": (-0.6, 0.8), "hairline": (-0.75, -0.35),
    "hair_dark": (0.0, 0.5), "hair_freq": (6.0, 22.0), "hair_angle": (0.0, np.pi), "ear": (0.0, 0.08), "beard": (-0.3, 0.3),
}


def people(count, seed):
    """Face parameters of `count` people, a dict of arrays (count,)."""
    rng = np.random.default_rng([seed, 0])
    return {name: rng.uniform(low, high, count) for name, (low, high) in _RANGES.items()}


def render(faces, pose, size=SIZE):
    """float32 images (N, size, size) in [0, 1] of faces (dict of (N,) arrays) under pose."""
    axis = np.linspace(-1.0, 1.0, size, dtype="float32")
    gx, gy = np.meshgrid(axis, axis)
    gx, gy = gx[None], gy[None]
    f = {k: v.astype("float32")[:, None, None] for k, v in faces.items()}
    p = {k: v.astype("float32")[:, None, None] for k, v in pose.items() if k != "grain"}
    # Image coordinates -> face coordinates: undo shift, rotation, scale; "turn" squeezes one side.
    cos, sin = np.cos(p["angle"]), np.sin(p["angle"])
    x0, y0 = (gx - p["dx"]) / p["scale"], (gy - p["dy"]) / p["scale"]
    x, y = cos * x0 + sin * y0, -sin * x0 + cos * y0
    x = x * (1.0 + p["turn"] * np.sign(x) * 0.5) + p["turn"] * 0.15

    def soft(distance, sharpness=40.0):  # 1 inside (distance < 0), 0 outside, smooth edge
        return 1.0 / (1.0 + np.exp(np.clip(sharpness * distance, -30, 30)))

    face = soft(np.sqrt((x / f["face_w"]) ** 2 + (y / f["face_h"]) ** 2) - 1.0, 12.0)
    ears = soft(np.sqrt(((np.abs(x) - f["face_w"]) / (0.08 + f["ear"])) ** 2 + (y / 0.18) ** 2) - 1.0, 12.0)
    image = 0.15 + (f["skin"] - 0.15) * np.maximum(face, ears * (f["ear"] > 0.02))
    hair_zone = soft(y - f["hairline"], 25.0) * face
    texture = 0.5 + 0.5 * np.sin(f["hair_freq"] * (x * np.cos(f["hair_angle"]) + y * np.sin(f["hair_angle"])))
    image = image * (1 - hair_zone) + hair_zone * (f["hair_dark"] + 0.15 * texture)
    for side in (-1.0, 1.0):
        ex = x - side * f["eye_dx"]
        eye = soft(np.sqrt(ex ** 2 + ((y - f["eye_y"]) * 1.6) ** 2) - f["eye_r"])
        pupil = soft(np.sqrt(ex ** 2 + (y - f["eye_y"]) ** 2) - f["eye_r"] * 0.45)
        image = image * (1 - eye) + eye * 0.95
        image = image * (1 - pupil) + pupil * f["eye_dark"]
        brow_y = f["eye_y"] - f["eye_r"] - f["brow_gap"] + side * f["brow_tilt"] * ex
        brow = soft(np.abs(y - brow_y) - f["brow_w"]) * soft(np.abs(ex) - f["eye_r"] * 1.6)
        image = image * (1 - brow) + brow * 0.1
    nose = soft(np.abs(x) - f["nose_w"] * (0.3 + (y - f["eye_y"]) / f["nose_len"])) * soft(y - f["eye_y"] - f["nose_len"]) * soft(f["eye_y"] - y)
    image = image - 0.12 * nose
    mouth_line = f["mouth_y"] - f["smile"] * (x ** 2) * 2.0
    mouth = soft(np.abs(y - mouth_line) - 0.018) * soft(np.abs(x) - f["mouth_w"])
    image = image * (1 - mouth) + mouth * 0.2
    # About half the people have a beard: the lower face darkened, the mouth still showing.
    beard = np.maximum(f["beard"], 0.0) * soft(f["mouth_y"] - 0.12 - y, 20.0) * face * (1 - mouth)
    image = image - 2.0 * beard * image
    # Lighting: a directional gradient, exposure; then sensor noise.
    light = 1.0 + p["light"] * (np.cos(p["light_dir"]) * gx + np.sin(p["light_dir"]) * gy)
    image = image * light * p["exposure"]
    image = image + p["noise"] * pose["grain"]
    return np.clip(image, 0.0, 1.0).astype("float32")


def photos(faces, photos_each, seed, size=SIZE):
    """uint8 images (P * photos_each, size, size, 1) and person labels, photo order person-major."""
    count = len(next(iter(faces.values())))
    person = np.repeat(np.arange(count), photos_each)
    rng = np.random.default_rng([seed, 1])
    n = len(person)
    pose = {
        "dx": rng.normal(0, 0.04, n), "dy": rng.normal(0, 0.04, n), "angle": rng.normal(0, 0.08, n),
        "scale": rng.uniform(0.93, 1.07, n), "turn": rng.normal(0, 0.08, n), "light": rng.uniform(0.0, 0.3, n),
        "light_dir": rng.uniform(0, 2 * np.pi, n), "exposure": rng.uniform(0.85, 1.15, n), "noise": rng.uniform(0.02, 0.05, n),
    }
    grain = rng.normal(0, 1, (n, size, size)).astype("float32")
    chosen = {k: v[person] for k, v in faces.items()}
    images = render(chosen, {**pose, "grain": grain}, size)
    return (np.round(images * 255).astype("uint8"))[..., None], person.astype("int32")


def synthetic_faces(unseen=False):
    """(images uint8 (N, 48, 48, 1), labels, names): the training people, or the unseen ones."""
    count, each, seed = (UNSEEN_PEOPLE, UNSEEN_PHOTOS, UNSEEN_SEED) if unseen else (TRAIN_PEOPLE, TRAIN_PHOTOS, TRAIN_SEED)
    images, labels = photos(people(count, seed), each, seed)
    prefix = "unseen" if unseen else "person"
    return images, labels, [f"{prefix}{i:03d}" for i in range(count)]
