"""Fixtures of the analytics tests: committed rows (a worker or a web server sees them);
helpers in utils.py."""

import pytest
from django.db import connections

from analytics import counting
from analytics.tests.utils import SCHEMAS, purge


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """Committed rows, wiped before and after; this process's unflushed counts dropped."""
    with django_db_blocker.unblock():
        connections.close_all()  # an earlier test may have restarted PostgreSQL under it
        purge(*SCHEMAS)
        counting.flush()
        yield
        connections.close_all()
        counting.flush()
        purge(*SCHEMAS)
