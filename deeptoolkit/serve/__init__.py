"""Serve trained models: a JSON API and a page per model (`deeptoolkit serve`)."""
