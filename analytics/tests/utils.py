"""Helpers of the analytics tests: the two tenants' schemas, user agents, pages published
through the services, views counted, flushed and rolled up for real."""

import time

from django.db import IntegrityError, transaction
from django_tenants.utils import schema_context

from analytics import counting
from analytics.models import DayCount, HourCount, MinuteCount, RolledClaim
from api.models import ApiKey
from content.models import Page, PageChange

SCHEMAS = ("alpha", "beta")
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
CRAWLER = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def purge(*schemas):
    from answers.models import AnswerRecord
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
            for model in (MinuteCount, HourCount, DayCount, RolledClaim, ApiKey, AnswerRecord):
                model.objects.all().delete()


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
