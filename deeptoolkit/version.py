"""The package version and the version of the saved-model format."""

__version__ = "0.1.0"

# Bumped only when a saved artefact can no longer be read by older code.
FORMAT_VERSION = 1
