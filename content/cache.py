"""The full-page cache: rendered HTML of published pages in Redis, one entry per slug.

Keys go through the tenant-aware key function (django_tenants.cache.make_key prefixes
the current schema), so acme's "about" and globex's "about" are different entries.
Entries are deleted after the writing transaction commits (see services), with the
writer's schema re-activated: the request after a publish renders the new HTML.
"""

from django.conf import settings
from django.core.cache import cache
from django_tenants.utils import schema_context

SITEMAP_KEY = "content:sitemap"


def page_cache_key(slug: str) -> str:
    return f"content:page:{slug}"


def page_cache_get(slug: str) -> dict | None:
    if not settings.CONTENT_PAGE_CACHE:
        return None
    return cache.get(page_cache_key(slug))


def page_cache_set(slug: str, entry: dict) -> None:
    if settings.CONTENT_PAGE_CACHE:
        cache.set(page_cache_key(slug), entry, settings.CONTENT_PAGE_CACHE_TIMEOUT)


def page_cache_invalidate(*, schema_name: str, slugs) -> None:
    """Drop the cached pages (and the sitemap) of `slugs` in the tenant `schema_name`."""
    with schema_context(schema_name):
        cache.delete_many([SITEMAP_KEY, *(page_cache_key(slug) for slug in slugs)])
