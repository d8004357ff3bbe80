"""Celery tasks of the events app: thin callers of services.

All of them are idempotent (they lock their rows and skip what is done), which is what
makes `acks_late` + `reject_on_worker_lost` safe: a task interrupted by a crash is
delivered again and finds either nothing done (its transaction rolled back) or
everything done.
"""

import logging

from celery import shared_task
from django.conf import settings
from django_tenants.utils import tenant_context

from events import services
from events.validation import EventsInvalid
from tenants.selectors import tenant_list_live

logger = logging.getLogger(__name__)

RELIABLE = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
    # A hung task (a Meta request that never ends) is killed and redelivered; both
    # limits stay far below the broker's visibility timeout (see settings).
    "soft_time_limit": settings.EVENTS_TASK_SOFT_TIME_LIMIT,
    "time_limit": settings.EVENTS_TASK_TIME_LIMIT,
}


@shared_task(bind=True, max_retries=None, **RELIABLE)
def webhook_process(self, pk: int) -> str:
    try:
        return services.webhook_event_process(pk=pk)
    except Exception as exc:  # noqa: BLE001 (any handler error is recorded on the row and retried)
        logger.exception("webhook event %s failed", pk)
        # Retrying cannot fix an event the payload makes invalid (too old, no identifier).
        permanent = isinstance(exc, EventsInvalid)
        retry, delay = services.webhook_event_fail(pk=pk, error=f"{type(exc).__name__}: {exc}", permanent=permanent)
        if retry:
            raise self.retry(countdown=delay) from exc
        return "failed"


@shared_task(**RELIABLE)
def webhook_process_batch(pks: list[int]) -> dict:
    """Deliveries stored together, sent as one message (services.webhooks._WebhookSender): each is
    processed as `webhook_process` processes it; one that fails is retried on its own.
    Redelivered after a crash, the ones already done are skipped (row lock + status)."""
    outcome = {}
    for pk in pks:
        try:
            outcome[pk] = services.webhook_event_process(pk=pk)
        except Exception as exc:  # noqa: BLE001 (recorded on the row, retried alone)
            logger.exception("webhook event %s failed", pk)
            permanent = isinstance(exc, EventsInvalid)
            retry, delay = services.webhook_event_fail(pk=pk, error=f"{type(exc).__name__}: {exc}", permanent=permanent)
            if retry:
                services.task_send(webhook_process, pk, countdown=delay)
            outcome[pk] = "retrying" if retry else "failed"
    return outcome


@shared_task(bind=True, max_retries=None, **RELIABLE)
def conversions_deliver(self) -> None:
    delay = services.conversions_deliver()
    if delay is not None:
        raise self.retry(countdown=delay)


@shared_task(**RELIABLE)
def outbox_sweep(grace_seconds: float | None = None) -> dict:
    """Run by beat in the public schema: re-send what each live tenant left pending."""
    grace = settings.EVENTS_OUTBOX_GRACE_SECONDS if grace_seconds is None else grace_seconds
    summary = {}
    for tenant in tenant_list_live():
        with tenant_context(tenant):
            webhooks, delivered = services.outbox_sweep_tenant(grace_seconds=grace)
        if webhooks or delivered:
            summary[tenant.schema_name] = {"webhooks": webhooks, "deliver": delivered}
    return summary
