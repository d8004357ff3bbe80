"""Fixtures of the events tests: a fake Meta Graph API (events/tests/fake_meta.py) and
committed data for the tests that need the real Celery worker. Helpers are in utils.py."""

import os

import pytest

from events.tests.fake_meta import FakeMeta
from events.tests.utils import events_purge

# Short retries for the worker processes the tests start (read by their settings).
os.environ.setdefault("EVENTS_RETRY_BASE_SECONDS", "0.2")
os.environ.setdefault("EVENTS_RETRY_MAX_SECONDS", "0.5")
os.environ.setdefault("EVENTS_HTTP_TIMEOUT", "1")
os.environ.setdefault("EVENTS_MAX_ATTEMPTS", "5")


@pytest.fixture
def fake_meta():
    fake = FakeMeta()
    yield fake
    fake.close()


@pytest.fixture
def committed(django_db_blocker, django_db_setup):
    """Run the test on committed data (the worker sees it); wiped afterwards."""
    with django_db_blocker.unblock():
        events_purge("alpha", "beta")
        yield
        events_purge("alpha", "beta")
