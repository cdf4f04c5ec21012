import logging

import numpy as np
import pytest
from PIL import Image

from deeptoolkit import FaceVerifier, load
from deeptoolkit.data import face_composites, faces
from deeptoolkit.data.face_detection import FaceDetector, iou
from deeptoolkit.errors import DeeptoolkitError
from deeptoolkit.models.face_embedding import face_embedding

TINY = dict(image_size=(32, 32), depth=8, width=8, seed=0)


@pytest.fixture(scope="module")
def verifier():
    """Trained briefly (default margin softmax) on the generated identities (about 40 s on two cores).

    32 epochs: unseen AUC 0.92-0.95 over seeds 0-2; at 24 it was 0.78-0.85, on the line of the
    0.85 asserted below, and which side depended on the order the batches came in."""
    model = FaceVerifier(epochs=32, patience=0, **TINY)
    model.fit(verbose=0)
    return model


@pytest.fixture(scope="module")
def unseen():
    return faces.load_faces(faces.UNSEEN, image_size=(48, 48))


def test_training_separates_unseen_people_far_better_than_an_untrained_network(verifier):
    scores = verifier.evaluate()
    assert scores["people"] == 40 and scores["pairs"] == 3600
    untrained = FaceVerifier(**TINY)
    untrained.state = dict(verifier.state)
    untrained.model = face_embedding(1, (32, 32), "resnet", 8, 8, 128)
    baseline = untrained.evaluate()
    assert scores["auc"] > 0.85 and scores["auc"] > baseline["auc"] + 0.05, (scores["auc"], baseline["auc"])
    assert scores["accuracy"] > 0.75 and 0 <= scores["accuracy_std"] < 0.1
    assert 0 < scores["eer"] < 0.3 and 0 < verifier.threshold < 2
    assert verifier.history["val_auc"][-1] > verifier.history["val_auc"][0]


def test_verify_agrees_with_the_threshold_in_use(verifier, unseen):
    a, b = unseen.images[:20], unseen.images[np.r_[1:20, 0]]
    results = verifier.verify(list(a), list(b))
    assert len(results) == 20
    for result in results:
        assert result["same"] == (result["distance"] <= result["threshold"])
        assert 0.5 <= result["confidence"] <= 1.0
    distances = sorted(r["distance"] for r in results)
    middle = float(np.mean(distances[9:11]))
    for result in verifier.verify(list(a), list(b), threshold=middle):
        assert result["threshold"] == middle and result["same"] == (result["distance"] <= middle)
    stacked = verifier.verify(a[..., 0], b[..., 0])  # (N, H, W) greyscale stacks: one result per pair
    assert [r["distance"] for r in stacked] == pytest.approx([r["distance"] for r in results], abs=1e-5)
    single = verifier.verify(unseen.images[0], unseen.images[1])
    assert isinstance(single, dict) and single["distance"] == pytest.approx(results[0]["distance"], abs=1e-5)


def test_same_photo_is_distance_zero_and_same(verifier, unseen):
    result = verifier.verify(unseen.images[3], unseen.images[3])
    assert result["distance"] < 1e-3 and result["same"] and result["confidence"] > 0.5


@pytest.mark.parametrize("threshold", [0, -0.1, 2.0, 3, "high", True])
def test_threshold_outside_the_distance_range_is_an_error(verifier, unseen, threshold):
    with pytest.raises(DeeptoolkitError, match=r"threshold must be a distance between unit embeddings, in \(0, 2\)"):
        verifier.verify(unseen.images[0], unseen.images[1], threshold=threshold)


def test_save_load_gives_identical_distances(verifier, unseen, tmp_path):
    path = verifier.save(tmp_path / "faces.dtk")
    again = load(path)
    assert isinstance(again, FaceVerifier) and again.threshold == verifier.threshold
    np.testing.assert_allclose(again.embed(unseen.images[:16]), verifier.embed(unseen.images[:16]), atol=1e-6)


def test_image_files_identify_and_bad_files(verifier, unseen, tmp_path):
    gallery = tmp_path / "gallery"
    for person in range(3):
        (gallery / unseen.people[person]).mkdir(parents=True)
        for n in range(1, 5):
            Image.fromarray(unseen.images[person * 10 + n, ..., 0]).save(gallery / unseen.people[person] / f"{n}.png")
    query = tmp_path / "query.png"
    Image.fromarray(unseen.images[10 + 7, ..., 0]).save(query)  # person 1, a photo not in the gallery
    matches = verifier.identify(query, gallery, top_k=2)
    assert len(matches) == 2 and matches[0]["distance"] <= matches[1]["distance"]
    assert matches[0]["person"] == unseen.people[1]
    assert verifier.embed([query]).shape == (1, 128)

    with pytest.raises(DeeptoolkitError, match="Image file does not exist"):
        verifier.verify(tmp_path / "missing.png", query)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 not really a jpeg")
    with pytest.raises(DeeptoolkitError, match="Not a readable image"):
        verifier.verify(broken, query)
    tiny = tmp_path / "tiny.png"
    Image.fromarray(np.zeros((6, 6), "uint8")).save(tiny)
    with pytest.raises(DeeptoolkitError, match="at least 16x16"):
        verifier.verify(tiny, query)


def test_evaluate_with_a_pairs_file(verifier, unseen, tmp_path):
    pairs = tmp_path / "pairs.txt"
    pairs.write_text(f"2 2\n{unseen.people[0]} 1 2\n{unseen.people[1]} 3 4\n{unseen.people[0]} 1 {unseen.people[1]} 1\n"
                     f"{unseen.people[2]} 5 {unseen.people[3]} 5\n{unseen.people[4]} 1 2\n{unseen.people[5]} 1 9\n"
                     f"{unseen.people[4]} 1 {unseen.people[6]} 1\n{unseen.people[7]} 2 {unseen.people[8]} 2\n")
    scores = verifier.evaluate(faces.UNSEEN, pairs=pairs)
    assert scores["pairs"] == 8 and scores["genuine_pairs"] == 4 and len(scores["fold_accuracies"]) == 2
    pairs.write_text(f"1 1\n{unseen.people[0]} 1 99\n{unseen.people[0]} 1 {unseen.people[1]} 1\n")
    with pytest.raises(DeeptoolkitError, match="pair 1 names photo 99"):
        verifier.evaluate(faces.UNSEEN, pairs=pairs)


@pytest.fixture(scope="module")
def scenes(unseen):
    """200 unseen people's photos pasted into larger textured scenes, and their people."""
    images, _ = face_composites.paste(unseen.images[:200], face_composites.textures(10, size=(120, 160), seed=0), seed=0,
                                      heights=(0.4, 0.8))
    return images, [unseen.people[i] for i in unseen.labels[:200]]


def test_photos_unlike_the_calibration_photos_are_flagged_and_not_confident(verifier, unseen, scenes, caplog):
    images, _ = scenes
    with caplog.at_level(logging.WARNING, logger="deeptoolkit"):
        unlike = verifier.verify(list(images[0:40:2]), list(images[1:40:2]))
    assert sum(r["in_domain"] is False for r in unlike) >= 16, [r["in_domain"] for r in unlike]
    assert all(r["confidence"] <= 0.6 for r in unlike if r["in_domain"] is False)
    assert "look unlike the photos the model was trained or calibrated on" in caplog.text and "calibrate" in caplog.text
    like = verifier.verify(list(unseen.images[0:40:2]), list(unseen.images[1:40:2]))
    assert sum(r["in_domain"] is True for r in like) >= 14, [r["in_domain"] for r in like]
    assert verifier.evaluate()["in_domain"] > 0.85


def test_calibrate_moves_the_threshold_to_the_new_photos_and_is_saved(verifier, scenes, tmp_path):
    images, people = scenes
    recalibrated = load(verifier.save(tmp_path / "faces.dtk"))
    before = recalibrated.evaluate(images, labels=people)
    result = recalibrated.calibrate(images, labels=people)
    assert result["previous_threshold"] == verifier.threshold and result["threshold"] == recalibrated.threshold
    assert result["threshold"] != verifier.threshold and result["pairs"] == before["pairs"]
    after = recalibrated.evaluate(images, labels=people)
    assert after["accuracy_at_threshold"] == pytest.approx(result["accuracy"])
    assert after["accuracy_at_threshold"] >= before["accuracy_at_threshold"] and after["in_domain"] > before["in_domain"]
    again = load(recalibrated.save(tmp_path / "recalibrated.dtk"))
    assert again.threshold == recalibrated.threshold and again.state["calibrated_on"]["photos"] == 200
    assert load(tmp_path / "faces.dtk").threshold == verifier.threshold  # the first file is untouched
    with pytest.raises(DeeptoolkitError, match="has two photos"):
        again.calibrate(images[:3], labels=["a", "b", "c"])


def test_a_detecting_verifier_finds_the_faces_it_verifies_and_names_a_photo_without_one(unseen, tmp_path):
    big = faces.load_faces(faces.UNSEEN, image_size=(120, 120))
    keep = np.isin(big.labels, range(12))
    model = FaceVerifier(epochs=2, detect="opencv", backbone="lenet5", image_size=(32, 32), seed=0)
    model.fit(big.images[keep], [big.people[i] for i in big.labels[keep]], verbose=0)
    scenes, pasted = face_composites.paste(big.images[:10], face_composites.textures(10, seed=0), seed=0, heights=(0.4, 0.8))
    detector = FaceDetector()
    found = [i for i, scene in enumerate(scenes) if detector.find(scene)][:2]  # the detector's recall is tested on its own
    result = load(model.save(tmp_path / "detecting.dtk")).verify(scenes[found[0]], scenes[found[1]])
    assert len(result["faces"]) == 2
    for box, where in zip(result["faces"], pasted[found]):
        assert iou((box["x"], box["y"], box["width"], box["height"]), where) >= 0.5, (box, where)
    wall = tmp_path / "wall.png"
    Image.fromarray(face_composites.textures(1, seed=4)[0][..., 0]).save(wall)
    with pytest.raises(DeeptoolkitError, match=r"No face found in .*wall\.png.*Received: second="):
        model.verify(scenes[found[0]], wall)


def test_people_with_one_photo_are_left_out_with_a_warning(caplog):
    images = np.random.default_rng(0).integers(0, 255, (9, 20, 20), dtype="uint8")
    labels = ["ann", "ann", "ann", "bob", "bob", "bob", "cid", "dan", "dan"]
    model = FaceVerifier(epochs=1, validation_split=0, image_size=(20, 20), backbone="lenet5", photos_per_person=2, seed=0)
    with caplog.at_level(logging.WARNING, logger="deeptoolkit"):
        model.fit(images, labels, verbose=0)
    assert "left out 1 people with a single photo" in caplog.text and "cid" in caplog.text
    assert model.state["people"] == ["ann", "bob", "dan"] and 0 < model.threshold < 2
    with pytest.raises(DeeptoolkitError, match="given in memory and is not saved"):
        model.evaluate()


def test_bad_configuration_and_data():
    with pytest.raises(DeeptoolkitError, match="objective must be one of"):
        FaceVerifier(objective="contrastive").fit()
    with pytest.raises(DeeptoolkitError, match="photos_per_person must be an integer >= 2"):
        FaceVerifier(photos_per_person=1).fit()
    with pytest.raises(DeeptoolkitError, match="detect must be None"):
        FaceVerifier(detect="dlib")
    for erasing in (1.5, -0.1, True, "yes"):
        with pytest.raises(DeeptoolkitError, match=r"erasing must be in \[0, 1\]"):
            FaceVerifier(erasing=erasing).fit()
    for size in (32, (8, 8), ("a", 32), (32, 32, 3)):
        with pytest.raises(DeeptoolkitError, match=r"image_size must be \(height, width\), each at least 16 pixels"):
            FaceVerifier(image_size=size)
    images = np.zeros((4, 20, 20), "uint8")
    with pytest.raises(DeeptoolkitError, match="at least two people with two or more photos"):
        FaceVerifier(epochs=1).fit(images, ["a", "a", "b", "c"])


@pytest.mark.parametrize("objective", ["triplet", "joint"])
def test_other_objectives_learn_and_reload(objective, tmp_path):
    # The LeNet-5 body: about 300 steps, cheap enough here (over seeds 0-1, unseen AUC 0.97-0.98
    # for triplets and 0.94-0.97 joint, against 0.82-0.87 untrained).
    config = dict(TINY, backbone="lenet5", objective=objective)
    model = FaceVerifier(epochs=60, patience=0, **config)
    model.fit(faces.BUILTIN, people=[f"person{i:03d}" for i in range(40)], verbose=0)
    names = [layer.name for layer in model.model.layers]
    if objective == "joint":
        assert model.model.get_layer("identity").people == 32  # 40 people, 8 held out
        assert {"embedding_loss", "identity_loss"} <= set(model.history)
    else:
        assert "identity" not in names
    untrained = FaceVerifier(**config)
    untrained.state = dict(model.state)
    untrained.model = face_embedding(1, (32, 32), "lenet5", 8, 16, 128)
    scores, baseline = model.evaluate(), untrained.evaluate()
    assert scores["split"] == "unseen" and scores["auc"] > 0.9 and scores["auc"] > baseline["auc"] + 0.05, (scores, baseline)
    photos = faces.load_faces(faces.UNSEEN, image_size=(48, 48)).images[:4]
    again = load(model.save(tmp_path / "m.dtk"))
    np.testing.assert_allclose(again.embed(photos), model.embed(photos), atol=1e-6)
