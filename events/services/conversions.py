"""Conversion events out: store them (deduplicated), then relay them to the tenant's Meta
pixel in batches, retrying what Meta could not take (events.meta_client sends).
"""

from datetime import timedelta

import httpx
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from events.meta_client import MetaRetryable, meta_client_open, meta_events_post
from events.models import ConversionEvent, MetaDestination
from events.services.dispatch import backoff_seconds, task_send
from events.validation import CleanEvent


def conversion_events_create(
    *, events: list[CleanEvent], source: str = ConversionEvent.Source.API, webhook_event=None
) -> tuple[list[ConversionEvent], list[CleanEvent]]:
    """Store validated (already hashed) events; returns (created, duplicates).

    Meta deduplicates on event_name + event_id for 48 h; so do we, so a client that
    retries its own request does not double the tenant's conversions. Transaction-level
    advisory locks on each key make two concurrent requests agree on which one wins.
    """
    window_start = timezone.now() - timedelta(hours=settings.EVENTS_DEDUPE_HOURS)
    keys = sorted({f"{e.event_name}\x1f{e.event_id}" for e in events})
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(k, 7)) FROM unnest(%s::text[]) AS k ORDER BY k", [keys]
            )
        names = {e.event_name for e in events}
        ids = {e.event_id for e in events}
        seen = set(
            ConversionEvent.objects.filter(event_name__in=names, event_id__in=ids, created_at__gte=window_start)
            .values_list("event_name", "event_id")
            .iterator()
        )
        now = timezone.now()
        rows, duplicates = [], []
        for event in events:
            key = (event.event_name, event.event_id)
            if key in seen:
                duplicates.append(event)
                continue
            seen.add(key)
            rows.append(
                ConversionEvent(
                    event_name=event.event_name,
                    event_id=event.event_id,
                    event_time=event.event_time,
                    action_source=event.action_source,
                    event_source_url=event.event_source_url,
                    user_data=event.user_data,
                    custom_data=event.custom_data,
                    data_processing_options=event.data_processing_options,
                    data_processing_options_country=event.data_processing_options_country,
                    data_processing_options_state=event.data_processing_options_state,
                    source=source,
                    webhook_event=webhook_event,
                    next_attempt_at=now,
                )
            )
        created = ConversionEvent.objects.bulk_create(rows, batch_size=1000)
        if created:
            transaction.on_commit(conversions_deliver_send)
    return created, duplicates


def conversions_deliver_send() -> None:
    from events.tasks import conversions_deliver

    task_send(conversions_deliver)


def conversion_events_replay(*, pks: list[int]) -> int:
    with transaction.atomic():
        count = ConversionEvent.objects.filter(pk__in=pks).exclude(status=ConversionEvent.Status.SENT)
        count = count.update(status=ConversionEvent.Status.PENDING, next_attempt_at=timezone.now(), attempts=0)
        transaction.on_commit(conversions_deliver_send)
    return count


def conversions_deliver(*, client: httpx.Client | None = None) -> float | None:
    """Send every due pending event to the tenant's pixel, in batches of at most
    EVENTS_BATCH_SIZE (Meta's limit is 1,000). Returns the delay after which the
    events this run had to postpone are due (the task retries then), or None. Only
    what this run postponed (or found locked by another run) makes it retry, so many
    concurrent runs during a Meta outage do not all keep retrying.

    Each batch is locked (FOR UPDATE SKIP LOCKED) for the time of its request, so two
    workers never send the same rows; a worker killed mid-request releases the lock
    with its connection and the rows are sent again with the same event_id, which Meta
    deduplicates.
    """
    destination = MetaDestination.objects.filter(is_active=True).first()
    if destination is None:
        return None
    own_client = client is None
    client = client or meta_client_open()
    postponed: list[int] = []
    try:
        while True:
            with transaction.atomic():
                now = timezone.now()
                batch = list(
                    ConversionEvent.objects.select_for_update(skip_locked=True)
                    .filter(status=ConversionEvent.Status.PENDING)
                    .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
                    .order_by("pk")[: settings.EVENTS_BATCH_SIZE]
                )
                if not batch:
                    break
                _deliver_split(client, destination, batch)
                postponed += [e.pk for e in batch if e.status == ConversionEvent.Status.PENDING]
    finally:
        if own_client:
            client.close()
    if not postponed:
        # Due rows still pending here were locked by another run. If that run is alive
        # it sends them; if it just died (killed worker, lock released with its
        # connection) nobody would until the sweeper: look again shortly.
        locked = ConversionEvent.objects.filter(
            status=ConversionEvent.Status.PENDING, next_attempt_at__lte=timezone.now()
        ).exists()
        return settings.EVENTS_RETRY_BASE_SECONDS if locked else None
    upcoming = (
        ConversionEvent.objects.filter(pk__in=postponed, status=ConversionEvent.Status.PENDING)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if upcoming is None:
        return None
    return max((upcoming - timezone.now()).total_seconds(), 0.05)


def _deliver_split(client, destination, batch: list[ConversionEvent]) -> None:
    """Send a batch; when Meta refuses it (4xx) split it in halves until the bad event
    is alone, so one bad event does not hold back the 999 good ones."""
    try:
        status, body = meta_events_post(client=client, destination=destination, events=batch)
    except MetaRetryable as exc:
        _mark_retry(batch, str(exc))
        return
    now = timezone.now()
    if status < 300:
        _save(batch, status=ConversionEvent.Status.SENT, sent_at=now, last_error="", attempts_inc=True)
    elif len(batch) > 1:
        middle = len(batch) // 2
        _deliver_split(client, destination, batch[:middle])
        _deliver_split(client, destination, batch[middle:])
    else:
        error = f"HTTP {status}: {body}"[:2000]
        _save(batch, status=ConversionEvent.Status.REJECTED, last_error=error, attempts_inc=True)


def _mark_retry(batch, error: str) -> None:
    now = timezone.now()
    for event in batch:
        event.attempts += 1
        event.last_error = error[:2000]
        if event.attempts >= settings.EVENTS_MAX_ATTEMPTS:
            event.status = ConversionEvent.Status.FAILED
        else:
            event.next_attempt_at = now + timedelta(seconds=backoff_seconds(event.attempts))
    ConversionEvent.objects.bulk_update(batch, ["attempts", "last_error", "status", "next_attempt_at"])


def _save(batch, *, attempts_inc: bool, **fields) -> None:
    """One UPDATE for the whole batch (bulk_update would build a CASE per row)."""
    for event in batch:
        for name, value in fields.items():
            setattr(event, name, value)
        if attempts_inc:
            event.attempts += 1
    extra = {"attempts": F("attempts") + 1} if attempts_inc else {}
    ConversionEvent.objects.filter(pk__in=[event.pk for event in batch]).update(**fields, **extra)
