import numpy as np
import pytest

import deeptoolkit
from deeptoolkit import ImageClassifier
from deeptoolkit.errors import DeeptoolkitError, ModelFileError, NotFittedError
from tests.conftest import QUICK, write_image


def test_training_on_digits_learns(trained_classifier):
    history = trained_classifier.history
    assert history["loss"][-1] < history["loss"][0] * 0.7
    metrics = trained_classifier.evaluate()
    assert metrics["split"] == "test" and metrics["examples"] == 360
    assert metrics["accuracy"] > 0.8  # chance is 0.1


def test_evaluate_reports_the_standard_metrics(trained_classifier):
    metrics = trained_classifier.evaluate(top_k=3)
    assert metrics["top_3_accuracy"] >= metrics["accuracy"]
    assert set(metrics["per_class"]["7"]) == {"precision", "recall", "support"}
    matrix = np.array(metrics["confusion_matrix"])
    assert matrix.shape == (10, 10) and matrix.sum() == 360
    assert np.trace(matrix) / 360 == pytest.approx(metrics["accuracy"])


def test_predict_returns_names_with_probabilities(trained_classifier, digits):
    predictions = trained_classifier.predict(digits.test.images[:20], top_k=3)
    assert len(predictions) == 20
    first = predictions[0]
    assert first["label"] in trained_classifier.class_names and 0 < first["probability"] <= 1
    assert [p["probability"] for p in first["top_k"]] == sorted((p["probability"] for p in first["top_k"]), reverse=True)
    hits = sum(p["label"] == str(y) for p, y in zip(predictions, digits.test.labels[:20]))
    assert hits >= 14


def test_predict_accepts_one_image_and_image_files(trained_classifier, digits, tmp_path):
    image = digits.test.images[0]
    single = trained_classifier.predict(image[..., 0])
    path = write_image(tmp_path / "digit.png", image * 255 / 16)
    from_file = trained_classifier.predict(path)
    assert len(single) == 1 and single[0]["label"] == from_file[0]["label"]
    assert from_file[0]["probability"] == pytest.approx(single[0]["probability"], abs=1e-3)


def test_save_then_load_predicts_identically(trained_classifier, saved_classifier, digits):
    loaded = deeptoolkit.load(saved_classifier)
    assert type(loaded) is ImageClassifier and loaded.config == trained_classifier.config
    before = trained_classifier.predict_proba(digits.test.images)
    after = loaded.predict_proba(digits.test.images)
    np.testing.assert_array_equal(before, after)
    assert loaded.history == trained_classifier.history
    assert loaded.evaluate()["accuracy"] == trained_classifier.evaluate()["accuracy"]


def test_predict_before_fit_is_a_clear_error():
    with pytest.raises(NotFittedError, match="call fit\\(\\)"):
        ImageClassifier().predict(np.zeros((1, 8, 8)))


def test_images_of_other_channels_and_sizes_are_converted_and_resized(trained_classifier, digits, tmp_path):
    # The image preprocessor's one rule: to the model's channels (luminance) and size, files and arrays alike.
    grey = digits.test.images[:2]  # (2, 8, 8, 1)
    colour = np.repeat(grey, 3, axis=-1)
    np.testing.assert_allclose(trained_classifier.predict_proba(colour), trained_classifier.predict_proba(grey), atol=1e-5)
    assert trained_classifier.predict_proba(np.zeros((2, 16, 16))).shape == (2, 10)
    path = write_image(tmp_path / "colour.png", np.repeat(grey[0] * 255 / 16, 3, axis=-1))
    again = trained_classifier.predict(write_image(tmp_path / "grey.png", grey[0, :, :, 0] * 255 / 16))
    assert trained_classifier.predict(path)[0]["label"] == again[0]["label"]
    with pytest.raises(DeeptoolkitError, match=r"Expected an image array .*Received: image\[0\] of shape \(8, 8, 5\)"):
        trained_classifier.predict(np.zeros((2, 8, 8, 5)))


def test_predict_on_a_missing_or_broken_file_names_it(trained_classifier, tmp_path):
    with pytest.raises(DeeptoolkitError, match="does not exist"):
        trained_classifier.predict(str(tmp_path / "missing.png"))
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"nope")
    with pytest.raises(DeeptoolkitError, match="broken.jpg"):
        trained_classifier.predict(str(broken))


def test_loading_a_file_that_is_not_a_model_is_refused(tmp_path):
    path = tmp_path / "model.dtk"
    path.write_text("not a model")
    with pytest.raises(ModelFileError):
        deeptoolkit.load(path)


def test_loading_a_model_saved_in_a_newer_format_is_refused(saved_classifier, tmp_path):
    import json
    import zipfile

    from deeptoolkit import saving

    newer = tmp_path / "newer.dtk"
    with zipfile.ZipFile(saved_classifier) as source, zipfile.ZipFile(newer, "w") as target:
        meta = json.loads(source.read(saving.META_NAME))
        meta["format_version"] += 1
        target.writestr(saving.META_NAME, json.dumps(meta))
        target.writestr(saving.MODEL_NAME, source.read(saving.MODEL_NAME))
    with pytest.raises(ModelFileError, match="Upgrade deeptoolkit"):
        deeptoolkit.load(newer)


def test_bad_config_is_refused_at_fit():
    with pytest.raises(DeeptoolkitError, match="architecture="):
        ImageClassifier(architecture="vgg").fit(epochs=1)
    with pytest.raises(DeeptoolkitError, match="depth="):
        ImageClassifier(architecture="resnet", depth=10).fit(epochs=1)
    with pytest.raises(DeeptoolkitError, match="epochs="):
        ImageClassifier().fit(epochs=0)


def test_a_single_class_is_refused():
    with pytest.raises(DeeptoolkitError, match="at least two classes"):
        ImageClassifier().fit(np.zeros((4, 8, 8)), ["a"] * 4, epochs=1)


def test_mismatched_labels_are_refused():
    with pytest.raises(DeeptoolkitError, match="5 images"):
        ImageClassifier().fit(np.zeros((5, 8, 8)), [0, 1], epochs=1)


def test_training_from_a_folder_streams_and_evaluates_its_validation_part(digit_folder, tmp_path):
    classifier = ImageClassifier(epochs=2, patience=0, seed=0, validation_split=0.25)
    classifier.fit(str(digit_folder), tensorboard=tmp_path / "logs", verbose=0)
    assert list((tmp_path / "logs").rglob("events.out.tfevents.*"))
    metrics = classifier.evaluate()
    assert metrics["split"] == "validation" and metrics["examples"] == 6
    from PIL import Image

    pixels = np.asarray(Image.open(digit_folder / "1" / "0.png"), "float32")
    from_file, from_array = classifier.predict(str(digit_folder / "1" / "0.png"))[0], classifier.predict(pixels)[0]
    assert classifier.class_names == ["0", "1", "2"] and from_file["label"] == from_array["label"]
    assert from_file["probability"] == pytest.approx(from_array["probability"], abs=1e-5)


def test_a_streamed_folder_is_shuffled_by_file_before_decoding(digit_folder):
    classifier = ImageClassifier(seed=0, validation_split=0)
    batches = classifier.training_pipelines(str(digit_folder), batch_size=6).train
    # Targets come one-hot (label smoothing is on by default).
    first_epoch = np.concatenate([labels.numpy().argmax(-1) for _, labels in batches])
    second_epoch = np.concatenate([labels.numpy().argmax(-1) for _, labels in batches])
    assert sorted(first_epoch.tolist()) == [0] * 8 + [1] * 8 + [2] * 8  # every file once per epoch
    assert len(set(first_epoch[:6])) > 1  # the folder lists class by class; batches mix them
    assert not np.array_equal(first_epoch, second_epoch)  # a new order every epoch


def test_training_on_a_tfds_data_set_scores_its_test_split():
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=16):
        classifier = ImageClassifier(epochs=1, batch_size=8, patience=0, seed=0)
        classifier.fit("tfds:mnist", verbose=0)
        metrics = classifier.evaluate()
    assert metrics["split"] == "test" and metrics["examples"] == 16
    assert classifier.state["data"] == "tfds:mnist" and len(classifier.class_names) == 10


def test_resnet_learns_on_colour_arrays():
    def bright_on_top(count, seed):
        rng = np.random.default_rng(seed)
        images = rng.integers(0, 255, (count, 12, 12, 3)).astype("uint8")
        images[: count // 2, :6] = np.maximum(images[: count // 2, :6], 200)  # class "top": a bright upper half
        return images, np.array(["top"] * (count // 2) + ["plain"] * (count - count // 2))

    classifier = ImageClassifier(architecture="resnet", depth=8, width=4, epochs=8, batch_size=16, patience=0, seed=0,
                                 validation_split=0, augment=False)
    classifier.fit(*bright_on_top(96, 0), verbose=0)
    assert classifier.model.name == "resnet8" and classifier.class_names == ["plain", "top"]
    images, labels = bright_on_top(40, 1)
    assert classifier.evaluate(images, labels)["accuracy"] >= 0.9  # chance: 0.5
    assert classifier.history["loss"][-1] < 0.7 * classifier.history["loss"][0]


def test_mixed_bfloat16_trains_and_keeps_float32_outputs(digits):
    classifier = ImageClassifier(precision="mixed_bfloat16", **dict(QUICK, epochs=2))
    classifier.fit(verbose=0)
    dense = classifier.model.get_layer("c1")
    assert dense.compute_dtype == "bfloat16" and dense.variable_dtype == "float32"
    probabilities = classifier.predict_proba(digits.test.images[:4])
    assert probabilities.dtype == np.float32
    assert classifier.history["loss"][-1] < classifier.history["loss"][0]


def test_mixed_float16_turns_on_loss_scaling():
    import keras

    classifier = ImageClassifier(precision="mixed_float16", **dict(QUICK, epochs=1))
    classifier.fit(verbose=0)
    assert isinstance(classifier.model.optimizer, keras.optimizers.LossScaleOptimizer)
    assert classifier.model.output.dtype == "float32"


def test_mirrored_training_on_two_logical_cpus():
    classifier = ImageClassifier(distribute="mirrored", **dict(QUICK, epochs=2))
    classifier.fit(verbose=0)
    assert classifier.evaluate()["accuracy"] > 0.3


def test_the_same_seed_repeats_a_run_exactly(digits):
    runs = []
    for _ in range(2):
        classifier = ImageClassifier(**dict(QUICK, epochs=1))
        classifier.fit(verbose=0)
        runs.append(classifier.predict_proba(digits.test.images[:16]))
    np.testing.assert_array_equal(*runs)


def test_resume_continues_an_interrupted_run(tmp_path):
    import keras

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.steps = int(self.model.optimizer.iterations.numpy())
                raise KeyboardInterrupt

    checkpoints = tmp_path / "run"
    classifier = ImageClassifier(**dict(QUICK, epochs=4))
    interrupt = Interrupt()
    with pytest.raises(KeyboardInterrupt):
        classifier.fit(checkpoint_dir=checkpoints, callbacks=[interrupt], verbose=0)
    assert (checkpoints / "backup").is_dir()

    resumed = ImageClassifier(**dict(QUICK, epochs=4))
    resumed.fit(checkpoint_dir=checkpoints, resume=True, verbose=0)
    assert len(resumed.history["loss"]) == 2  # epochs 3 and 4 only
    assert int(resumed.model.optimizer.iterations.numpy()) == 2 * interrupt.steps  # the optimizer went on from step 2 epochs in
    assert not (checkpoints / "backup").exists()  # removed once the run completed


def test_resume_needs_a_checkpoint_dir():
    with pytest.raises(DeeptoolkitError, match="checkpoint_dir"):
        ImageClassifier().fit(resume=True)


def test_predict_traces_at_most_twice_whatever_the_batch_sizes(trained_classifier, digits):
    # Keras traces the first shape, then once more with the batch dimension relaxed.
    images = digits.test.images
    trained_classifier.model.make_predict_function()
    before = trained_classifier.model.predict_function.experimental_get_tracing_count()  # evaluate's dataset
    for count in (1, 7, 100, 1, 7, 100):
        trained_classifier.predict(images[:count])
    traced = trained_classifier.model.predict_function.experimental_get_tracing_count()
    for count in (3, 50, 1):
        trained_classifier.predict(images[:count])
    assert traced - before <= 2
    assert trained_classifier.model.predict_function.experimental_get_tracing_count() == traced
