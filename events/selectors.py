"""Reads of the events app."""

import logging
import re

from django.core.cache import cache
from redis import RedisError

from events.models import WebhookEndpoint

logger = logging.getLogger(__name__)

# The endpoint is read on every delivery: from Redis it is one round trip instead of
# two to PostgreSQL (django-tenants sets search_path per cursor). The key goes through
# the tenant-aware key function, so tenants never share an entry; saving or deleting an
# endpoint through services.webhook_endpoint_save/_delete drops it.
ENDPOINT_CACHE_SECONDS = 300
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,60}")
_FIELDS = ("id", "name", "slug", "scheme", "secrets", "is_active")


def endpoint_cache_key(slug: str) -> str:
    return f"events:endpoint:{slug}"


def webhook_endpoint_get(*, slug: str) -> WebhookEndpoint | None:
    """The active endpoint `slug` of the current tenant, or None (also for a string no
    endpoint can have, which then reaches neither the cache nor the database)."""
    if not _SLUG.fullmatch(slug):
        return None
    key = endpoint_cache_key(slug)
    try:
        cached = cache.get(key)
    except RedisError:
        cached = None
    if cached is not None:
        return WebhookEndpoint(**cached)
    endpoint = WebhookEndpoint.objects.filter(slug=slug, is_active=True).first()
    if endpoint is not None:
        try:
            cache.set(key, {name: getattr(endpoint, name) for name in _FIELDS}, ENDPOINT_CACHE_SECONDS)
        except RedisError:
            logger.warning("cache unavailable; endpoint %s read from the database", slug)
    return endpoint
