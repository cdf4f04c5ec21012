import numpy as np

from deeptoolkit.models.image_input import augmentation


def test_erasing_covers_a_patch_of_some_photos_in_training_only():
    photos = np.full((64, 16, 16, 1), 0.5, "float32")
    still = dict(shift=0.0, rotation_degrees=0.0, zoom=0.0)
    erasing = augmentation(erasing=1.0, **still)
    changed = np.abs(np.asarray(erasing(photos, training=True)) - 0.5).max(axis=(1, 2, 3)) > 1e-3
    # each photo is erased with a chance drawn from [0, 1]: about half of 64, never none or all
    assert 5 < changed.sum() < 59, changed.sum()
    np.testing.assert_array_equal(np.asarray(erasing(photos, training=False)), photos)
    none = augmentation(erasing=0.0, **still)
    assert not any("erasing" in layer.name for layer in none.layers)
    np.testing.assert_allclose(np.asarray(none(photos, training=True)), photos, atol=1e-6)
