"""Host -> tenant lookup, cached so a request costs no SQL and, mostly, no round trip.

Two layers:
- Redis (the tenant-aware cache, keyed under the public schema) holds the Tenant row
  or a "no tenant" marker; services delete the entry whenever a domain or its tenant
  changes, so every process sees the change on its next lookup.
- A small per-process dict in front of it, for DOMAIN_LOCAL_CACHE_SECONDS: the Redis
  round trip was a third of a cached page's cost (bench/pages.py). The process that
  made a change forgets the host at once; other processes within those seconds.
"""

import copy
import time

from django.conf import settings
from django.core.cache import cache
from django_tenants.utils import get_public_schema_name, schema_context
from redis import RedisError

from config.outage import outage_log
from tenants.models import Domain, Tenant

_NO_TENANT = "none"
_ROUTED = (Tenant.State.LIVE, Tenant.State.PUBLIC)
# Bounds the per-process layer against a flood of made-up Host headers.
_LOCAL_MAX_ENTRIES = 10_000
_local: dict[str, tuple[float, Tenant | str]] = {}


def _key(hostname: str) -> str:
    return f"tenants:host:{hostname}"


def tenant_for_hostname(hostname: str) -> Tenant:
    """The live, active tenant serving `hostname`; raises Domain.DoesNotExist."""
    hostname = hostname.lower()
    now = time.monotonic()
    local = _local.get(hostname)
    if local is not None and local[0] > now:
        found = local[1]
    else:
        found = _shared_lookup(hostname)
        if settings.DOMAIN_LOCAL_CACHE_SECONDS > 0:
            if len(_local) >= _LOCAL_MAX_ENTRIES:
                _local.clear()
            _local[hostname] = (now + settings.DOMAIN_LOCAL_CACHE_SECONDS, found)
    if found == _NO_TENANT:
        raise Domain.DoesNotExist(hostname)
    # Each request gets its own copy: the middleware sets attributes on it.
    return copy.copy(found)


def _shared_lookup(hostname: str) -> Tenant | str:
    with schema_context(get_public_schema_name()):
        # The cache is a speed-up, not a dependency: with Redis down every site still
        # answers (webhooks and events must still be accepted), from the database.
        try:
            cached = cache.get(_key(hostname))
        except RedisError as exc:
            outage_log("redis", "hosts looked up in the database", exc)
            cached = None
        if cached is None:
            domain = (
                Domain.objects.select_related("tenant")
                .filter(domain=hostname, tenant__is_active=True, tenant__state__in=_ROUTED)
                .first()
            )
            cached = domain.tenant if domain else _NO_TENANT
            try:
                cache.set(_key(hostname), cached, settings.DOMAIN_CACHE_TIMEOUT)
            except RedisError as exc:
                outage_log("redis", "hosts looked up in the database", exc)
    return cached


def hostname_cache_clear(hostnames) -> None:
    hostnames = [h.lower() for h in hostnames]
    for hostname in hostnames:
        _local.pop(hostname, None)
    with schema_context(get_public_schema_name()):
        cache.delete_many([_key(h) for h in hostnames])


def hostname_local_entry(hostname: str):
    """This process's entry for `hostname` while it is fresh (an opaque object: a refresh
    makes a new one), else None. content.replay keeps an answer only as long as the entry
    it was served with."""
    local = _local.get(hostname)
    if local is not None and local[0] > time.monotonic() and local[1] != _NO_TENANT:
        return local
    return None


def local_cache_clear() -> None:
    """Forget this process's layer (tests do, between tests)."""
    _local.clear()
