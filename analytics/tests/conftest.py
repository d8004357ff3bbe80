"""Fixtures of the analytics tests: committed rows (a worker or a web server sees them),
pages published through the services, views counted, flushed and rolled up for real."""

import time

import pytest
from django.db import IntegrityError, connections, transaction
from django_tenants.utils import schema_context

from analytics import counting
from analytics.models import DayCount, HourCount, MinuteCount, RolledClaim
from api.models import ApiKey
from api.tests.conftest import key_factory  # noqa: F401 (a fixture for these tests)
from content.models import Page, PageChange
from content.tests.test_replay import wsgi  # noqa: F401 (a fixture: config.wsgi's application, as a server calls it)

SCHEMAS = ("alpha", "beta")
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
CRAWLER = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def purge(*schemas):
    from search.models import Chunk

    for schema in schemas:
        with schema_context(schema):
            for attempt in range(5):
                try:
                    with transaction.atomic():
                        Chunk.objects.all().delete()  # the worker may be indexing a page we published
                        Page.objects.all().delete()
                    break
                except IntegrityError:
                    if attempt == 4:
                        raise
                    time.sleep(0.5)
            PageChange.objects.all().delete()
            for model in (MinuteCount, HourCount, DayCount, RolledClaim, ApiKey):
                model.objects.all().delete()


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


def publish(schema: str, slug: str, text: str = "Hello") -> Page:
    from content.services import page_create, page_publish

    with schema_context(schema):
        page = page_create(
            user=None, slug=slug, title=slug.title() or "Home", blocks=[{"type": "paragraph", "html": f"<p>{text}</p>"}]
        )
        return page_publish(page=page, user=None)


def rollup(schema: str) -> dict:
    from analytics.services import analytics_rollup

    counting.flush()
    with schema_context(schema):
        return analytics_rollup()


def day_counts(schema: str, series: str) -> dict[str, int]:
    """{key: count} over all days of `series` in `schema`."""
    out: dict[str, int] = {}
    with schema_context(schema):
        for key, count in DayCount.objects.filter(series=series).values_list("key", "count"):
            out[key] = out.get(key, 0) + count
    return out
