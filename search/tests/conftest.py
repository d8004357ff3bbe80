import pytest


@pytest.fixture(autouse=True)
def _query_vectors_forgotten():
    """Each test starts with no query vector in this process's memory, as the root
    conftest empties Redis for it."""
    from search.selectors import query_vectors_forget

    query_vectors_forget()
    yield
