"""The outbox sweep: work whose task was lost (broker down at commit, worker crash) is
sent again. Rows are the outbox: whatever is still pending past a grace period had no
task pick it up, and every task is idempotent, so sending one more is safe.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from events.models import ConversionEvent, WebhookEvent
from events.services.conversions import conversions_deliver_send
from events.services.webhooks import webhook_events_send


def outbox_sweep_tenant(*, grace_seconds: float) -> tuple[int, bool]:
    """Re-send the work of the current tenant that no task picked up within the grace
    period. Returns (webhook rows re-sent, whether a delivery run was sent)."""
    cutoff = timezone.now() - timedelta(seconds=grace_seconds)
    stale = list(
        WebhookEvent.objects.filter(status=WebhookEvent.Status.PENDING, next_attempt_at__lte=cutoff).values_list(
            "pk", flat=True
        )[: settings.EVENTS_SWEEP_LIMIT]
    )
    if stale:
        webhook_events_send(pks=stale)
    due = ConversionEvent.objects.filter(status=ConversionEvent.Status.PENDING, next_attempt_at__lte=cutoff).exists()
    if due:
        conversions_deliver_send()
    return len(stale), due
