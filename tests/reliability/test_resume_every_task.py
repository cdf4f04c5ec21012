"""Every task resumes an interrupted run: the remaining epochs only, and the optimizer's
step count continues where the interrupted run stopped (its state came back too)."""

import keras
import pytest

from deeptoolkit import (
    Captioner,
    CharRNN,
    FaceVerifier,
    ImageClassifier,
    MemNN,
    Translator,
)
from deeptoolkit.data import phrasebook, shape_scenes
from deeptoolkit.data.story_world import generate_babi_lines

EPOCHS = 3


class InterruptAfterFirstEpoch(keras.callbacks.Callback):
    steps_per_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        self.steps_per_epoch = int(self.model.optimizer.iterations.numpy())
        raise KeyboardInterrupt


def _stories(folder):
    path = folder / "qa0_stories_train.txt"
    path.write_text("\n".join(generate_babi_lines(300, seed=0)) + "\n")
    return str(path)


TASKS = {
    "image-classifier": (lambda: ImageClassifier(patience=0, seed=0), lambda folder: None),
    "char-rnn": (lambda: CharRNN(sequence_length=20, embedding_dim=8, units=16, layers=1, batch_size=16, patience=0,
                                 sample_length=0, seed=0), lambda folder: "the quick brown fox jumps over the lazy dog.\n" * 30),
    "translator": (lambda: Translator(embedding_dim=8, units=16, batch_size=32, patience=0, seed=0),
                   lambda folder: phrasebook.generate_pairs(300, seed=0)),
    "captioner": (lambda: Captioner(image_size=(32, 32), width=8, embedding_dim=8, units=16, attention_dim=8, batch_size=16,
                                    min_count=1, patience=0, seed=0), lambda folder: shape_scenes.generate_scenes(64, seed=0)),
    "face-verifier": (lambda: FaceVerifier(image_size=(32, 32), depth=8, width=8, patience=0, seed=0), lambda folder: None),
    "memnn": (lambda: MemNN(dim=8, linear_start=1, patience=0, seed=0), _stories),
}


@pytest.mark.parametrize("name", sorted(TASKS))
def test_an_interrupted_run_resumes_where_it_stopped(name, tmp_path):
    make, data_for = TASKS[name]
    data, checkpoints = data_for(tmp_path), tmp_path / "run"
    interrupt = InterruptAfterFirstEpoch()
    with pytest.raises(KeyboardInterrupt):
        make().fit(data, epochs=EPOCHS, checkpoint_dir=checkpoints, callbacks=[interrupt], verbose=0)
    assert (checkpoints / "backup").is_dir()

    resumed = make()
    resumed.fit(data, epochs=EPOCHS, checkpoint_dir=checkpoints, resume=True, verbose=0)
    assert len(resumed.history["loss"]) == EPOCHS - 1
    assert int(resumed.model.optimizer.iterations.numpy()) == EPOCHS * interrupt.steps_per_epoch
    assert not (checkpoints / "backup").exists()
