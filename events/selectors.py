"""Reads of the events app."""

import re
import threading
from collections import OrderedDict

from django.db import connection

from events.models import WEBHOOK_SLUG_PATTERN, WebhookEndpoint

# The endpoint is read on every delivery, so each process keeps the ones it has seen
# (per tenant schema and slug). No round trip checks the copy: the INSERT that stores a
# delivery only succeeds while the endpoint row still holds the scheme and secrets the
# copy verified with (services.webhook_receive), so a secret removed by any process
# stops verifying on the very next delivery everywhere, with no cache to invalidate
# across processes. Saving or deleting an endpoint through services also drops this
# process's copy at once.
LOCAL_ENDPOINTS_MAX = 1024
_SLUG = re.compile(WEBHOOK_SLUG_PATTERN)
_FIELDS = ("id", "name", "slug", "scheme", "secrets", "is_active")
_local: OrderedDict[tuple[str, str], dict] = OrderedDict()
_local_lock = threading.Lock()


def webhook_endpoint_get(*, slug: str, fresh: bool = False) -> WebhookEndpoint | None:
    """The active endpoint `slug` of the current tenant, or None (also for a string no
    endpoint can have, which then reaches neither the cache nor the database). The
    process's copy unless `fresh` (read from the database, and the copy replaced)."""
    if not _SLUG.fullmatch(slug):
        return None
    key = (connection.schema_name, slug)
    if not fresh:
        with _local_lock:
            fields = _local.get(key)
            if fields is not None:
                _local.move_to_end(key)
        if fields is not None:
            return WebhookEndpoint(**fields)
    endpoint = WebhookEndpoint.objects.filter(slug=slug, is_active=True).only(*_FIELDS).first()
    with _local_lock:
        if endpoint is None:
            _local.pop(key, None)
        else:
            _local[key] = {name: getattr(endpoint, name) for name in _FIELDS}
            while len(_local) > LOCAL_ENDPOINTS_MAX:
                _local.popitem(last=False)
    return endpoint


def webhook_endpoint_forget(*, slugs) -> None:
    """Drop this process's copies of the current tenant's endpoints `slugs`."""
    with _local_lock:
        for slug in slugs:
            _local.pop((connection.schema_name, slug), None)
