"""The one contract every task keeps: fit returns the task, parameters are read and changed as the
constructor checks them, labels and unknown fit arguments are refused alike, caches follow the
model, evaluate() without data says the same thing everywhere, and one rule for one item or a list."""

import os
import warnings

import numpy as np
import pytest

import deeptoolkit
from deeptoolkit import registry
from deeptoolkit.errors import DeeptoolkitError

LEGACY = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures", "legacy")
ALL = [registry.task_class(class_name) for class_name in registry.TASKS.values()]


def legacy(name):
    return deeptoolkit.load(os.path.join(LEGACY, f"{name}.dtk"))


@pytest.fixture(scope="module")
def inputs():
    with np.load(os.path.join(LEGACY, "inputs.npz")) as arrays:
        return dict(arrays)


def test_fit_returns_the_task_so_calls_chain(digits):
    images, labels = digits.train.images[:200], digits.train.labels[:200]
    classifier = deeptoolkit.ImageClassifier(epochs=1, patience=0, seed=0)
    predictions = classifier.fit(images, labels, verbose=0).predict(digits.test.images[:3])
    assert len(predictions) == 3 and set(classifier.history) >= {"loss", "val_loss"}


@pytest.mark.parametrize("task_class", ALL, ids=lambda c: c.__name__)
def test_get_and_set_params_check_values_as_the_constructor_does(task_class):
    task = task_class()
    params = task.get_params()
    params["batch_size"] = 1  # a copy: the task keeps its own
    assert task.get_params()["batch_size"] != 1
    assert task.set_params(batch_size=7, seed=3) is task and task.get_params()["batch_size"] == 7
    with pytest.raises(DeeptoolkitError, match=r"batch_size must be a positive integer. Received: batch_size=0"):
        task.set_params(batch_size=0)
    with pytest.raises(DeeptoolkitError, match=r"has no parameter colour\. Expected one of .*Received: colour='red'"):
        task.set_params(colour="red")
    with pytest.raises(DeeptoolkitError, match="patience must be an integer >= 0"):
        task_class(patience=-1)  # the constructor refuses it too, before any fit
    assert task.get_params()["batch_size"] == 7  # refused changes change nothing


@pytest.mark.parametrize("task_class", [c for c in ALL if not c.takes_labels], ids=lambda c: c.__name__)
def test_labels_are_refused_alike_by_tasks_that_read_targets_from_their_data(task_class):
    with pytest.raises(DeeptoolkitError, match=f"{task_class.__name__} reads its targets from its data; labels are not taken. "
                                               "Received: labels of type list"):
        task_class().fit(["a"], [1])


@pytest.mark.parametrize("task_class", ALL, ids=lambda c: c.__name__)
def test_unknown_fit_arguments_are_refused(task_class):
    with pytest.raises(DeeptoolkitError, match=r"fit takes no argument colour .*Received: colour='red'"):
        task_class().fit(colour="red")


@pytest.mark.parametrize("name", list(registry.TASKS))
def test_evaluate_without_data_says_the_same_thing_when_the_data_was_not_saved(name):
    task = legacy(name.replace("-", "_"))
    task.state["data"] = None  # as after fitting on data held in memory
    with pytest.raises(DeeptoolkitError, match="evaluate\\(\\) without data scores what training held out, and this "
                                               f"{type(task).__name__} has nothing held out: the training data was given in "
                                               "memory and is not saved with the model. Pass data to evaluate\\(\\)"):
        task.evaluate()


def test_caches_follow_the_model_and_are_cleared_by_set_params():
    translator = legacy("translator")
    first = translator._writer()
    assert translator._writer() is first  # built once per model
    translator.set_params(max_length=5)
    assert translator._writer() is not first
    assert deeptoolkit.load(os.path.join(LEGACY, "translator.dtk"))._caches == {}


def test_predict_returns_a_list_and_verbs_answer_one_item_with_one_result(inputs, tmp_path):
    classifier = legacy("image_classifier")
    assert len(classifier.predict(inputs["digits"][0])) == 1 and len(classifier.predict(inputs["digits"][:2])) == 2
    assert len(classifier.predict(inputs["digits"][:3, :, :, 0])) == 3  # (N, H, W) greyscale
    assert len(classifier.predict(np.zeros((5, 5)))) == 1  # resized, as files are
    writer = legacy("char_rnn")
    assert len(writer.predict("the ")) == 1 and isinstance(writer.generate("the ", 5), str)
    translator = legacy("translator")
    assert translator.predict("we see the cat .") == [translator.translate("we see the cat .")]
    assert isinstance(translator.translate(["we see the cat ."]), list)
    captioner = legacy("captioner")
    assert isinstance(captioner.caption(inputs["scenes"][0]), str) and len(captioner.caption(list(inputs["scenes"][:2]))) == 2
    verifier = legacy("face_verifier")
    assert verifier.predict(inputs["faces"][0]).shape[0] == 1 and isinstance(verifier.verify(inputs["faces"][0], inputs["faces"][1]), dict)
    reader = legacy("memnn")
    assert isinstance(reader.answer("frodo went to the shire .", "where is frodo ?"), dict)
    assert len(reader.predict([("frodo went to the shire .", "where is frodo ?")])) == 1


def test_the_old_top_argument_still_works_with_a_deprecation_warning():
    writer, reader = legacy("char_rnn"), legacy("memnn")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert writer.predict("the ", top=2) == writer.predict("the ", top_k=2)
        assert len(reader.answer("frodo went to the shire .", "where is frodo ?", top=1)["hops"][0]) == 1
    assert sum(issubclass(w.category, DeprecationWarning) and "top_k" in str(w.message) for w in caught) == 2
    with pytest.raises(DeeptoolkitError, match="give only top_k"):
        writer.predict("the ", top=2, top_k=3)
