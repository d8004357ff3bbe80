"""The full-page cache: rendered HTML of published pages in Redis, one entry per slug.

Keys go through the tenant-aware key function (django_tenants.cache.make_key prefixes
the current schema), so acme's "about" and globex's "about" are different entries.
Entries are deleted after the writing transaction commits (see services), with the
writer's schema re-activated: the request after a publish renders the new HTML.
"""

from django.conf import settings
from django.core.cache import cache
from django_tenants.utils import schema_context
from redis import RedisError

from config.outage import outage_log

SITEMAP_KEY = "content:sitemap"


def page_cache_key(slug: str) -> str:
    return f"content:page:{slug}"


def page_cache_get(slug: str) -> dict | None:
    """The cached entry, or None: a miss, or Redis down (the page is rendered from the
    database; the cache is a speed-up, never a reason for a visitor's error)."""
    if not settings.CONTENT_PAGE_CACHE:
        return None
    try:
        return cache.get(page_cache_key(slug))
    except RedisError as exc:
        outage_log("redis", "pages rendered without the page cache", exc)
        return None


def page_cache_set(slug: str, entry: dict) -> None:
    if settings.CONTENT_PAGE_CACHE:
        try:
            cache.set(page_cache_key(slug), entry, settings.CONTENT_PAGE_CACHE_TIMEOUT)
        except RedisError as exc:
            outage_log("redis", "pages rendered without the page cache", exc)


def page_cache_invalidate(*, schema_name: str, slugs) -> None:
    """Drop the cached pages (HTML and published JSON, and the sitemap) of `slugs` in the
    tenant `schema_name`. Raises RedisError when Redis is down: the caller keeps the change
    for later (an entry that could not be dropped would be served stale once Redis is back)."""
    with schema_context(schema_name):
        cache.delete_many(
            [SITEMAP_KEY, *(page_cache_key(slug) for slug in slugs), *(page_json_cache_key(slug) for slug in slugs)]
        )


# --- the published page as JSON (the API's `GET /api/published/pages/<slug>`) ---
# Kept and dropped with the HTML entry above (same switch, timeout and invalidation): the
# API caches the bytes it sends, the content app only owns the key and its life.


def page_json_cache_key(slug: str) -> str:
    return f"content:page-json:{slug}"


def page_json_cache_set(slug: str, body: bytes) -> None:
    if settings.CONTENT_PAGE_CACHE:
        try:
            cache.set(page_json_cache_key(slug), body, settings.CONTENT_PAGE_CACHE_TIMEOUT)
        except RedisError as exc:
            outage_log("redis", "published pages answered without the page cache", exc)
