"""Scores that neither Keras nor scikit-learn gives as such."""
