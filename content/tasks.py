"""Celery tasks of the content app: thin callers of services."""

from celery import shared_task
from django.conf import settings
from django_tenants.utils import tenant_context

from content import services


@shared_task(ignore_result=True, acks_late=True)
def page_changes_sweep(grace_seconds: float | None = None) -> dict:
    """Run by beat in the public schema: for every live tenant, drop the cached pages and
    send the signals that page writes could not while Redis was down (content.PageChange)."""
    from tenants.selectors import tenant_list_live

    grace = settings.CONTENT_CHANGES_GRACE_SECONDS if grace_seconds is None else grace_seconds
    summary = {}
    for tenant in tenant_list_live():
        with tenant_context(tenant):
            done = services.page_changes_sweep(grace_seconds=grace)
        if done:
            summary[tenant.schema_name] = done
    return summary
