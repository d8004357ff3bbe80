"""Writes of the events app: receive webhooks, process them, accept conversion events,
deliver them to Meta. Views, admin actions and tasks call these and nothing else.

Reliability rests on one rule: the row is committed before any task is sent
(`transaction.on_commit`), and a send that fails (broker down) is only logged; the
outbox sweeper re-sends every row still pending after a grace period. Tasks then
lock their rows, so a duplicate task (redelivery, sweeper) finds nothing left to do.
"""

import atexit
import json
import logging
import os
import random
import threading
from datetime import timedelta

import httpx
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError
from redis import RedisError

from events.handlers import handler_for
from events.models import ConversionEvent, MetaDestination, Status, WebhookEndpoint, WebhookEvent
from events.selectors import webhook_endpoint_forget, webhook_endpoint_get
from events.signatures import VERIFIERS, MalformedError, SignatureError
from events.validation import CleanEvent

logger = logging.getLogger(__name__)

ERROR_UNKNOWN_ENDPOINT = "No webhook endpoint with this name."


class EndpointNotFound(Exception):
    pass


def backoff_seconds(attempt: int) -> float:
    """Exponential backoff with "equal jitter" (half fixed, half random): retries of
    many rows that failed together spread out instead of hitting Meta in lock step."""
    ceiling = min(settings.EVENTS_RETRY_MAX_SECONDS, settings.EVENTS_RETRY_BASE_SECONDS * 2 ** max(attempt - 1, 0))
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 (jitter, not a secret)


def task_send(task, *args, schema: str | None = None, countdown: float | None = None) -> None:
    """Send a task now, never block or fail the caller: a broker outage leaves the row
    pending for the sweeper instead of turning a stored event into a 500. `schema`: the
    tenant the task runs in, when the caller's connection is not in it (a thread)."""
    options = {"retry": False}
    if settings.EVENTS_TASK_QUEUE:
        options["queue"] = settings.EVENTS_TASK_QUEUE
    if schema is not None:
        options["headers"] = {"_schema_name": schema}  # tenant-schemas-celery's header
    if countdown is not None:
        options["countdown"] = countdown
    try:
        task.apply_async(args=args, **options)
    except (OperationalError, RedisError, OSError) as exc:
        logger.warning("broker unavailable, %s left to the outbox sweeper: %s", task.name, exc)


# --- webhooks in ---------------------------------------------------------------------


def webhook_receive(*, slug: str, body: bytes, headers) -> tuple[WebhookEvent, bool]:
    """Verify a delivery and store it; returns (event, created). A duplicate of an
    already stored delivery returns created=False and sends nothing.

    Raises EndpointNotFound, signatures.SignatureError, signatures.MalformedError
    before anything is written.

    The hot path is one INSERT (the ingest benchmark): the endpoint comes from this
    process's copy, and the INSERT stores the row only if the endpoint row still has the
    scheme and secrets that verified it. When the copy refuses the delivery, or the
    INSERT finds the endpoint changed, the endpoint is read again and, if it did change
    (a secret added, removed, the scheme switched, by any process), the delivery is
    verified again with what the row holds now.
    """
    cached = webhook_endpoint_get(slug=slug)
    try:
        received = _webhook_receive_with(endpoint=cached, slug=slug, body=body, headers=headers)
    except (SignatureError, MalformedError):
        current = webhook_endpoint_get(slug=slug, fresh=True)
        if _endpoint_state(current) == _endpoint_state(cached):
            raise
        received = _webhook_receive_with(endpoint=current, slug=slug, body=body, headers=headers)
    if received is None:  # the copy was stale: once more with the row as it is now
        current = webhook_endpoint_get(slug=slug, fresh=True)
        received = _webhook_receive_with(endpoint=current, slug=slug, body=body, headers=headers)
    if received is None:  # changed again between two statements: refuse rather than loop
        raise EndpointNotFound(ERROR_UNKNOWN_ENDPOINT)
    return received


def _endpoint_state(endpoint: WebhookEndpoint | None) -> tuple | None:
    return None if endpoint is None else (endpoint.pk, endpoint.scheme, endpoint.secrets)


def _webhook_receive_with(*, endpoint, slug, body, headers) -> tuple[WebhookEvent, bool] | None:
    """Verify with `endpoint` and store; None when the endpoint row is no longer as given."""
    if endpoint is None:
        raise EndpointNotFound(ERROR_UNKNOWN_ENDPOINT)
    delivery = VERIFIERS[endpoint.scheme](body, headers, endpoint.secret_list)
    event = _webhook_insert(endpoint=endpoint, delivery=delivery, body=body)
    if event is not None:
        transaction.on_commit(lambda: _webhook_send(event.pk))  # at once when already committed
        return event, True
    current = webhook_endpoint_get(slug=slug, fresh=True)
    if _endpoint_state(current) != _endpoint_state(endpoint):
        return None
    return WebhookEvent.objects.get(endpoint=current, provider_event_id=delivery.event_id), False


_INSERT = """
INSERT INTO {event} (endpoint_id, provider_event_id, event_type, body, headers, status, attempts,
                     last_error, received_at, next_attempt_at)
SELECT e.id, %s, %s, %s, %s::jsonb, %s, 0, '', %s, %s
FROM {endpoint} AS e
WHERE e.id = %s AND e.is_active AND e.scheme = %s AND e.secrets = %s
ON CONFLICT (endpoint_id, provider_event_id) DO NOTHING
RETURNING id
"""


def _webhook_insert(*, endpoint: WebhookEndpoint, delivery, body: bytes) -> WebhookEvent | None:
    """One statement, atomic on its own (outside a transaction it commits by itself, with
    no BEGIN/COMMIT round trips; inside a caller's, a conflict raises nothing, so no
    savepoint is needed). None: a duplicate, or the endpoint is not as verified."""
    now = timezone.now()
    sql = _INSERT.format(event=WebhookEvent._meta.db_table, endpoint=WebhookEndpoint._meta.db_table)
    params = [
        delivery.event_id,
        delivery.event_type,
        body,
        json.dumps(delivery.headers),
        Status.PENDING,
        now,
        now,
        endpoint.pk,
        endpoint.scheme,
        endpoint.secrets,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    return WebhookEvent(
        pk=row[0],
        endpoint=endpoint,
        provider_event_id=delivery.event_id,
        event_type=delivery.event_type,
        body=body,
        headers=delivery.headers,
        status=Status.PENDING,
        received_at=now,
        next_attempt_at=now,
    )


def webhook_endpoint_save(*, endpoint: WebhookEndpoint, old_slug: str | None = None) -> WebhookEndpoint:
    """Save an endpoint (admin) and drop this process's copy, under the old slug too
    (other processes' copies stop verifying at their next delivery: webhook_receive)."""
    with transaction.atomic():
        endpoint.save()
        slugs = {endpoint.slug} | ({old_slug} if old_slug else set())
        transaction.on_commit(lambda: webhook_endpoint_forget(slugs=slugs))
    return endpoint


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    with transaction.atomic():
        endpoint.delete()
        transaction.on_commit(lambda: webhook_endpoint_forget(slugs={endpoint.slug}))


def _webhook_send(pk: int) -> None:
    _webhook_sender.add(connection.schema_name, pk)


class _WebhookSender:
    """Sends the processing of stored deliveries from a thread of this process, so the
    request that stored one answers without waiting for the broker (a Celery publish
    cost more than the INSERT: 1.4 of 3.9 ms per delivery in a profile). One delivery
    waiting is sent as `webhook_process(pk)`, the way it always was; under load the ones
    stored while the thread was sending go together as one `webhook_process_batch`
    message per tenant, so a publish is paid once per batch, not per delivery.

    Nothing is lost if the process dies with deliveries waiting here: their rows are
    committed and pending, and the outbox sweeper sends them after the grace period."""

    MAX_BATCH = 100

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)  # a forked child starts empty

    def _reset(self) -> None:
        self._cond = threading.Condition()
        self._pending: dict[str, list[int]] = {}
        self._thread: threading.Thread | None = None

    def add(self, schema: str, pk: int) -> None:
        with self._cond:
            self._pending.setdefault(schema, []).append(pk)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="webhook-sender", daemon=True)
                self._thread.start()
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending:
                    self._cond.wait()
                pending, self._pending = self._pending, {}
            self.send(pending)

    def flush(self) -> None:
        """Send what waits now, in the caller's thread (at exit)."""
        with self._cond:
            pending, self._pending = self._pending, {}
        self.send(pending)

    def send(self, pending: dict[str, list[int]]) -> None:
        from events.tasks import webhook_process, webhook_process_batch

        for schema, pks in pending.items():
            for start in range(0, len(pks), self.MAX_BATCH):
                batch = pks[start : start + self.MAX_BATCH]
                if len(batch) == 1:
                    task_send(webhook_process, batch[0], schema=schema)
                else:
                    task_send(webhook_process_batch, batch, schema=schema)


_webhook_sender = _WebhookSender()
atexit.register(_webhook_sender.flush)


def webhook_event_process(*, pk: int) -> str:
    """Run the handler of one stored delivery, once. The row lock plus the status check
    make a second task for the same row (redelivery, sweeper, replay) a no-op; the
    handler's writes and the DONE mark commit together or not at all."""
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().select_related("endpoint").filter(pk=pk).first()
        if event is None or event.status != Status.PENDING:
            return "skipped"
        handler = handler_for(event.endpoint.scheme, event.event_type)
        if handler is not None:
            handler(event=event, payload=json.loads(bytes(event.body)))
        event.status = Status.DONE
        event.attempts += 1
        event.last_error = ""
        event.processed_at = timezone.now()
        event.save(update_fields=["status", "attempts", "last_error", "processed_at"])
        return "done" if handler else "ignored"


def webhook_event_fail(*, pk: int, error: str, permanent: bool = False) -> tuple[bool, float]:
    """Record a failed attempt; returns (retry?, delay). A permanent error (the payload
    itself is unusable) and the EVENTS_MAX_ATTEMPTS-th failure leave the row FAILED,
    waiting for a replay from the admin."""
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().get(pk=pk)
        event.attempts += 1
        event.last_error = error[:2000]
        retry = not permanent and event.attempts < settings.EVENTS_MAX_ATTEMPTS
        delay = backoff_seconds(event.attempts)
        if retry:
            event.next_attempt_at = timezone.now() + timedelta(seconds=delay)
        else:
            event.status = Status.FAILED
        event.save(update_fields=["attempts", "last_error", "next_attempt_at", "status"])
    return retry, delay


def webhook_events_replay(*, pks: list[int]) -> int:
    """Put deliveries back to pending and send them again (admin action)."""
    with transaction.atomic():
        count = WebhookEvent.objects.filter(pk__in=pks).update(
            status=Status.PENDING, next_attempt_at=timezone.now(), last_error=""
        )
        for pk in pks:
            transaction.on_commit(lambda pk=pk: _webhook_send(pk))
    return count


# --- conversion events out ----------------------------------------------------------


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
            transaction.on_commit(_deliver_send)
    return created, duplicates


def _deliver_send() -> None:
    from events.tasks import conversions_deliver

    task_send(conversions_deliver)


def conversion_events_replay(*, pks: list[int]) -> int:
    with transaction.atomic():
        count = ConversionEvent.objects.filter(pk__in=pks).exclude(status=ConversionEvent.State.SENT)
        count = count.update(status=ConversionEvent.State.PENDING, next_attempt_at=timezone.now(), attempts=0)
        transaction.on_commit(_deliver_send)
    return count


class _Retryable(Exception):
    """A timeout, connection error or 5xx: the same events go again later, unchanged."""


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
    client = client or httpx.Client(timeout=settings.EVENTS_HTTP_TIMEOUT)
    postponed: list[int] = []
    try:
        while True:
            with transaction.atomic():
                now = timezone.now()
                batch = list(
                    ConversionEvent.objects.select_for_update(skip_locked=True)
                    .filter(status=ConversionEvent.State.PENDING)
                    .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
                    .order_by("pk")[: settings.EVENTS_BATCH_SIZE]
                )
                if not batch:
                    break
                _deliver_split(client, destination, batch)
                postponed += [e.pk for e in batch if e.status == ConversionEvent.State.PENDING]
    finally:
        if own_client:
            client.close()
    if not postponed:
        # Due rows still pending here were locked by another run. If that run is alive
        # it sends them; if it just died (killed worker, lock released with its
        # connection) nobody would until the sweeper: look again shortly.
        locked = ConversionEvent.objects.filter(
            status=ConversionEvent.State.PENDING, next_attempt_at__lte=timezone.now()
        ).exists()
        return settings.EVENTS_RETRY_BASE_SECONDS if locked else None
    upcoming = (
        ConversionEvent.objects.filter(pk__in=postponed, status=ConversionEvent.State.PENDING)
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
        status, body = _post(client, destination, batch)
    except _Retryable as exc:
        _mark_retry(batch, str(exc))
        return
    now = timezone.now()
    if status < 300:
        _save(batch, status=ConversionEvent.State.SENT, sent_at=now, last_error="", attempts_inc=True)
    elif len(batch) > 1:
        middle = len(batch) // 2
        _deliver_split(client, destination, batch[:middle])
        _deliver_split(client, destination, batch[middle:])
    else:
        error = f"HTTP {status}: {body}"[:2000]
        _save(batch, status=ConversionEvent.State.REJECTED, last_error=error, attempts_inc=True)


def _post(client, destination, batch) -> tuple[int, str]:
    payload = {"data": [event.to_meta() for event in batch], "access_token": destination.access_token}
    if destination.test_event_code:
        payload["test_event_code"] = destination.test_event_code
    try:
        response = client.post(destination.events_url, json=payload)
    except httpx.TimeoutException as exc:
        raise _Retryable(f"timeout: {exc}") from exc
    except httpx.TransportError as exc:
        raise _Retryable(f"connection error: {exc}") from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise _Retryable(f"HTTP {response.status_code}: {response.text[:500]}")
    return response.status_code, response.text[:1500]


def _mark_retry(batch, error: str) -> None:
    now = timezone.now()
    for event in batch:
        event.attempts += 1
        event.last_error = error[:2000]
        if event.attempts >= settings.EVENTS_MAX_ATTEMPTS:
            event.status = ConversionEvent.State.FAILED
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


# --- outbox sweeper -----------------------------------------------------------------


def outbox_sweep_tenant(*, grace_seconds: float) -> tuple[int, bool]:
    """Re-send the work of the current tenant that no task picked up within the grace
    period (its task was lost: broker down at commit, worker crash). Returns (webhook
    rows re-sent, whether a delivery run was sent)."""
    cutoff = timezone.now() - timedelta(seconds=grace_seconds)
    stale = list(
        WebhookEvent.objects.filter(status=Status.PENDING, next_attempt_at__lte=cutoff).values_list("pk", flat=True)[
            : settings.EVENTS_SWEEP_LIMIT
        ]
    )
    if stale:  # sent from here, not the sender's thread: the task ends with them sent
        _webhook_sender.send({connection.schema_name: stale})
    due = ConversionEvent.objects.filter(status=ConversionEvent.State.PENDING, next_attempt_at__lte=cutoff).exists()
    if due:
        _deliver_send()
    return len(stale), due
