"""Host -> tenant lookup, cached in Redis so a request costs no SQL for it.

Entries are keyed under the public schema (the key function prefixes the current
schema), hold the Tenant row or a "no tenant" marker, and are deleted whenever a
domain or its tenant changes (see services).
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django_tenants.utils import get_public_schema_name, schema_context
from redis import RedisError

from tenants.models import Domain, Tenant

logger = logging.getLogger(__name__)
_NO_TENANT = "none"
_ROUTED = (Tenant.State.LIVE, Tenant.State.PUBLIC)


def _key(hostname: str) -> str:
    return f"tenants:host:{hostname.lower()}"


def tenant_for_hostname(hostname: str) -> Tenant:
    """The live, active tenant serving `hostname`; raises Domain.DoesNotExist."""
    with schema_context(get_public_schema_name()):
        # The cache is a speed-up, not a dependency: with Redis down every site still
        # answers (webhooks and events must still be accepted), from the database.
        try:
            cached = cache.get(_key(hostname))
        except RedisError:
            logger.warning("cache unavailable; host %s looked up in the database", hostname)
            cached = None
        if cached is None:
            domain = (
                Domain.objects.select_related("tenant")
                .filter(domain=hostname.lower(), tenant__is_active=True, tenant__state__in=_ROUTED)
                .first()
            )
            cached = domain.tenant if domain else _NO_TENANT
            try:
                cache.set(_key(hostname), cached, settings.DOMAIN_CACHE_TIMEOUT)
            except RedisError:
                pass
    if cached == _NO_TENANT:
        raise Domain.DoesNotExist(hostname)
    return cached


def hostname_cache_clear(hostnames) -> None:
    with schema_context(get_public_schema_name()):
        cache.delete_many([_key(h) for h in hostnames])
