"""A tiny configuration and data of every task of the registry, for tests that run them all.

A task added to `deeptoolkit.registry` without an entry here fails `test_registry`.
"""

from deeptoolkit.data import phrasebook, shape_scenes
from deeptoolkit.data.story_world import generate_babi_lines
from tests.speech.sounds import word_folder


def _stories(folder):
    path = folder / "qa0_stories_train.txt"
    path.write_text("\n".join(generate_babi_lines(300, seed=0)) + "\n")
    return str(path)


# name: (constructor arguments, data(tmp folder) for fit; None is the task's embedded data)
TINY = {
    "image-classifier": (dict(), lambda folder: None),
    "face-verifier": (dict(image_size=(32, 32), depth=8, width=8), lambda folder: None),
    "char-rnn": (dict(sequence_length=20, embedding_dim=8, units=16, layers=1, batch_size=16, sample_length=0),
                 lambda folder: "the quick brown fox jumps over the lazy dog.\n" * 30),
    "translator": (dict(embedding_dim=8, units=16, batch_size=32), lambda folder: phrasebook.generate_pairs(300, seed=0)),
    "captioner": (dict(image_size=(32, 32), width=8, embedding_dim=8, units=16, attention_dim=8, batch_size=16, min_count=1),
                  lambda folder: shape_scenes.generate_scenes(64, seed=0)),
    "memnn": (dict(dim=8, linear_start=1), _stories),
    "speech": (dict(n_mels=16, width=1, batch_size=8), lambda folder: word_folder(folder, per_word=4)),
}
