import numpy as np
import pytest

from deeptoolkit.data import face_pairs
from deeptoolkit.data.faces import FaceSet
from deeptoolkit.errors import DeeptoolkitError

LFW_SAMPLE = """2\t2
Abel_Pacheco\t1\t4
Akhmed_Zakayev\t1\t3
Abdel_Madi_Shabneh\t1\tDean_Barker\t1
Abdel_Madi_Shabneh\t1\tGiancarlo_Fisichella\t1
Ann_Lee\t2\t3
Bob_Ray\t1\t2
Ann_Lee\t1\tBob_Ray\t2
Cid\t4\tAnn_Lee\t1
"""


def _faces(counts):
    labels = np.repeat(np.arange(len(counts)), counts)
    numbers = np.concatenate([np.arange(1, c + 1) for c in counts])
    return FaceSet(np.zeros((len(labels), 16, 16, 1), "uint8"), labels, [f"p{i}" for i in range(len(counts))], numbers, "test")


def test_lfw_pairs_file_both_line_kinds_and_folds(tmp_path):
    path = tmp_path / "pairs.txt"
    path.write_text(LFW_SAMPLE)
    pairs = face_pairs.read_pairs_file(path)
    assert len(pairs) == 8
    assert pairs.first[0] == ("Abel_Pacheco", 1) and pairs.second[0] == ("Abel_Pacheco", 4)
    assert pairs.first[2] == ("Abdel_Madi_Shabneh", 1) and pairs.second[2] == ("Dean_Barker", 1)
    assert pairs.same.tolist() == [True, True, False, False, True, True, False, False]
    assert pairs.folds.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]


def test_development_header_with_one_count_is_one_fold(tmp_path):
    path = tmp_path / "pairsDevTest.txt"
    path.write_text("1\nAnn 1 2\nAnn 1 Bob 1\n")
    pairs = face_pairs.read_pairs_file(path)
    assert pairs.same.tolist() == [True, False] and pairs.folds.tolist() == [0, 0]


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "empty"),
        ("ten 300\n", "expected a header"),
        ("1 1\nAnn 1 2\n", "promises 2 pair lines"),
        ("1 1\nAnn 1 Bob 2\nAnn 1 Bob 2\n", ":2: expected 'name i j' (same person)"),
        ("1 1\nAnn 1 2\nAnn 1 2\n", ":3: expected 'name1 i name2 j' (different people)"),
    ],
)
def test_bad_pairs_files_name_the_line(tmp_path, text, fragment):
    path = tmp_path / "pairs.txt"
    path.write_text(text)
    with pytest.raises(DeeptoolkitError) as error:
        face_pairs.read_pairs_file(path)
    assert fragment in str(error.value)


def test_pairs_naming_missing_people_or_photos_are_errors(tmp_path):
    photos = _faces([3, 2])
    path = tmp_path / "pairs.txt"
    path.write_text("1 1\np0 1 3\np0 1 p9 1\n")
    with pytest.raises(DeeptoolkitError, match="pair 2 names person 'p9'"):
        face_pairs.read_pairs_file(path).indices(photos, "pairs.txt")
    path.write_text("1 1\np0 1 7\np0 1 p1 1\n")
    with pytest.raises(DeeptoolkitError, match="pair 1 names photo 7 of 'p0'"):
        face_pairs.read_pairs_file(path).indices(photos, "pairs.txt")
    path.write_text("1 1\np0 1 3\np0 2 p1 2\n")
    first, second = face_pairs.read_pairs_file(path).indices(photos)
    assert first.tolist() == [0, 1] and second.tolist() == [2, 4]


def test_generated_pairs_are_all_genuine_and_as_many_distinct_impostors():
    photos = _faces([4, 3, 1, 5])
    pairs = face_pairs.generated_pairs(photos, folds=5, seed=0)
    genuine = 6 + 3 + 0 + 10
    assert pairs.same.sum() == genuine and (~pairs.same).sum() == genuine
    first, second = pairs.indices(photos)
    labels = photos.labels
    assert np.all((labels[first] == labels[second]) == pairs.same)
    impostors = {tuple(sorted(p)) for p, s in zip(zip(first, second), pairs.same) if not s}
    assert len(impostors) == genuine  # no pair twice
    # Every fold holds both kinds, and the draw is repeatable.
    assert all(pairs.same[pairs.folds == f].any() and (~pairs.same[pairs.folds == f]).any() for f in range(5))
    again = face_pairs.generated_pairs(photos, folds=5, seed=0)
    assert again.first == pairs.first and again.second == pairs.second


def test_generated_pairs_need_a_genuine_pair():
    with pytest.raises(DeeptoolkitError, match="no genuine pair"):
        face_pairs.generated_pairs(_faces([1, 1, 1]))
