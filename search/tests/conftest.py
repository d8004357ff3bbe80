"""Fixtures of the search tests: the model loaded once per session (helpers in utils.py)."""

import pytest


@pytest.fixture(scope="session")
def embedder():
    """The process's local embedder, loaded once (~5 s) for the whole session."""
    from search.embedders import embedder_get

    loaded = embedder_get()
    loaded.embed(["warm up"])
    return loaded
