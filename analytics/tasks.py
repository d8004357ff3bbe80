"""Celery tasks of the analytics app: thin callers of analytics.services.

Beat runs them in the public schema; each tenant is rolled up in its own schema
(tenant_context), one after the other: a tenant's roll-up holds its advisory lock, so two
workers rolling the same tenant wait for each other instead of adding twice.
"""

from celery import shared_task
from django.core.cache import cache
from django_tenants.utils import tenant_context
from redis import RedisError

from analytics import counting, services
from config.outage import outage_log


def _rollup(tenants) -> dict:
    summary = {}
    for tenant in tenants:
        with tenant_context(tenant):
            done = services.analytics_rollup()
        if done["claims"]:
            summary[tenant.schema_name] = done
    return summary


@shared_task(ignore_result=True, acks_late=True)
def analytics_rollup_pending() -> dict:
    """The tenants whose web processes flushed counts since the last run (every
    ANALYTICS_ROLLUP_SECONDS): what keeps the dashboard live."""
    from tenants.models import Tenant

    try:
        client = cache._cache.get_client(write=True)
        pipe = client.pipeline(transaction=True)
        pipe.smembers(counting.PENDING_KEY)
        pipe.delete(counting.PENDING_KEY)
        names = [name.decode() for name in pipe.execute()[0]]
    except RedisError as exc:
        outage_log("redis", "analytics not rolled up", exc)
        return {}
    return _rollup(Tenant.objects.filter(state=Tenant.State.LIVE, schema_name__in=names))


@shared_task(ignore_result=True, acks_late=True)
def analytics_rollup_all(events_days: int = 2) -> dict:
    """Every live tenant (every ANALYTICS_ROLLUP_ALL_SECONDS): conversions and purchases
    come from the events tables, not from counting, and a missed pending mark is caught."""
    from tenants.models import Tenant

    summary = {}
    for tenant in Tenant.objects.filter(state=Tenant.State.LIVE):
        with tenant_context(tenant):
            done = services.analytics_rollup(events_days=events_days, prune=True)
        summary[tenant.schema_name] = done
    return summary
