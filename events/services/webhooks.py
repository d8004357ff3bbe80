"""Webhooks in: verify a delivery, store it, send it to a worker, run its handler.

The request that stores a delivery answers at once; the processing is a task
(events.tasks.webhook_process), sent after the commit from a thread of this process.
"""

import atexit
import json
import os
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from events.handlers import handler_for
from events.models import WebhookEndpoint, WebhookEvent
from events.selectors import webhook_endpoint_forget, webhook_endpoint_get
from events.services.dispatch import backoff_seconds, task_send
from events.signatures import VERIFIERS, MalformedError, SignatureError

ERROR_UNKNOWN_ENDPOINT = "No webhook endpoint with this name."


class EndpointNotFound(Exception):
    pass


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
    delivery, event = _webhook_store(endpoint=endpoint, body=body, headers=headers)
    if event is not None:
        return event, True
    current = webhook_endpoint_get(slug=slug, fresh=True)
    if _endpoint_state(current) != _endpoint_state(endpoint):
        return None
    return WebhookEvent.objects.get(endpoint=current, provider_event_id=delivery.event_id), False


def webhook_store_new(*, endpoint: WebhookEndpoint, body: bytes, headers) -> WebhookEvent | None:
    """The happy path alone (events.keeper, in front of Django): verify a delivery with
    `endpoint` (this process's copy), store it and hand it to the sender, as
    webhook_receive does. None when nothing was stored: a duplicate, or the endpoint row
    no longer holds what verified it; raises what the verifier raises. The caller then
    leaves the request to webhook_receive, which sorts out which case it was."""
    return _webhook_store(endpoint=endpoint, body=body, headers=headers)[1]


def _webhook_store(*, endpoint: WebhookEndpoint, body: bytes, headers):
    delivery = VERIFIERS[endpoint.scheme](body, headers, endpoint.secret_list)
    event = _webhook_insert(endpoint=endpoint, delivery=delivery, body=body)
    if event is not None:
        transaction.on_commit(lambda: _webhook_send(event.pk))  # at once when already committed
    return delivery, event


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
        WebhookEvent.Status.PENDING,
        now,
        now,
        endpoint.pk,
        endpoint.scheme,
        endpoint.secrets,
    ]
    with connection.prepared_cursor() as cursor:  # parsed and planned once per connection
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
        status=WebhookEvent.Status.PENDING,
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

    The thread lingers EVENTS_WEBHOOK_SEND_LINGER_MS after the first delivery of a batch
    before it sends (or until MAX_BATCH wait): a publish and a thread wake-up cost more
    CPU than the request that stored the row (0.4 ms and ~0.5 ms against ~0.5 ms in a
    profile), and sent one by one, a steady stream of deliveries paid them every time
    on a 2-core machine. A lone delivery still goes alone, that much later.

    Nothing is lost if the process dies with deliveries waiting here: their rows are
    committed and pending, and the outbox sweeper sends them after the grace period."""

    MAX_BATCH = 100

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)  # a forked child starts empty

    def _reset(self) -> None:
        self._cond = threading.Condition()
        self._pending: dict[str, list[int]] = {}
        self._count = 0
        self._thread: threading.Thread | None = None

    def add(self, schema: str, pk: int) -> None:
        with self._cond:
            self._pending.setdefault(schema, []).append(pk)
            self._count += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="webhook-sender", daemon=True)
                self._thread.start()
            if self._count == 1 or self._count >= self.MAX_BATCH:  # a batch starts, or is full
                self._cond.notify()

    def _take(self) -> dict[str, list[int]]:
        pending, self._pending, self._count = self._pending, {}, 0
        return pending

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending:
                    self._cond.wait()
                deadline = time.monotonic() + settings.EVENTS_WEBHOOK_SEND_LINGER_MS / 1000
                while self._count < self.MAX_BATCH and (left := deadline - time.monotonic()) > 0:
                    self._cond.wait(left)
                pending = self._take()
            self.send(pending)

    def flush(self) -> None:
        """Send what waits now, in the caller's thread (at exit)."""
        with self._cond:
            pending = self._take()
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
        if event is None or event.status != WebhookEvent.Status.PENDING:
            return "skipped"
        handler = handler_for(event.endpoint.scheme, event.event_type)
        if handler is not None:
            handler(event=event, payload=json.loads(bytes(event.body)))
        event.status = WebhookEvent.Status.DONE
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
            event.status = WebhookEvent.Status.FAILED
        event.save(update_fields=["attempts", "last_error", "next_attempt_at", "status"])
    return retry, delay


def webhook_events_replay(*, pks: list[int]) -> int:
    """Put deliveries back to pending and send them again (admin action)."""
    with transaction.atomic():
        count = WebhookEvent.objects.filter(pk__in=pks).update(
            status=WebhookEvent.Status.PENDING, next_attempt_at=timezone.now(), last_error=""
        )
        for pk in pks:
            transaction.on_commit(lambda pk=pk: _webhook_send(pk))
    return count


def webhook_events_send(*, pks: list[int]) -> None:
    """Send the processing of the current tenant's deliveries `pks` from the caller's
    thread, not the sender's (the outbox sweep ends with them sent)."""
    _webhook_sender.send({connection.schema_name: pks})
