import numpy as np
import pytest

from deeptoolkit.data.two_curves import two_curves
from deeptoolkit.errors import DeeptoolkitError
from deeptoolkit.models.input_space import hidden_view, two_unit_net
from deeptoolkit.tasks.input_space import linear_accuracy


def test_the_two_curves_are_balanced_and_not_linearly_separable():
    points, labels = two_curves(50)
    assert points.shape == (100, 2) and labels.tolist() == [1.0] * 50 + [0.0] * 50
    assert linear_accuracy(points, labels) <= 0.9
    # Shifted apart far enough, a line does separate them: the measure can say yes.
    assert linear_accuracy(points + np.outer(labels, [0.0, 3.0]), labels) == 1.0


def test_the_net_has_two_tanh_hidden_units_and_one_output():
    model = two_unit_net()
    assert model.output_shape == (None, 1) and hidden_view(model).output_shape == (None, 2)
    assert model.get_layer("hidden").activation.__name__ == "tanh"
    assert np.all(np.abs(hidden_view(model).predict(two_curves(10)[0], verbose=0)) < 1.0)


@pytest.mark.parametrize("count", [1, 2.5, "10"])
def test_a_bad_number_of_points_is_a_clear_error(count):
    with pytest.raises(DeeptoolkitError, match="points_per_class"):
        two_curves(count)
