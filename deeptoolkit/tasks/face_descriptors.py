"""Where a FaceVerifier's network input comes from: the photos themselves (its convnet is
trained), or dlib's pretrained descriptors of them (backbone "dlib-resnet": a head is trained)."""

import logging

log = logging.getLogger("deeptoolkit")

DLIB = "dlib-resnet"
DLIB_IMAGE_SIZE = [150, 150]  # what image_size's default (32 x 32) becomes with dlib-resnet


class FaceDescriptors:
    @property
    def _pretrained(self):
        return self.config["backbone"] == DLIB

    def _features(self, photos):
        """What the Keras model reads: the photos themselves, or dlib's descriptors of them."""
        if not self._pretrained:
            return photos
        from deeptoolkit.models.dlib_faces import DlibFaces

        descriptors, whole = self._cached("dlib", DlibFaces).describe(photos)
        if whole:
            log.info("dlib found no face in %d of %d photos: the whole photo was described", whole, len(photos))
        return descriptors
