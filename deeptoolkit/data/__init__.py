"""Loaders for real data formats and the tf.data pipelines that feed the task classes."""
