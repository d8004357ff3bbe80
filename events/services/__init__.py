"""Writes of the events app, one module per flow; views, admin actions and tasks call
these and nothing else:

- `webhooks`: webhooks in (verify, store, send to a worker, run the handler, replay);
- `conversions`: conversion events out (store deduplicated, relay to Meta, replay);
- `outbox`: the sweep that re-sends work whose task was lost;
- `dispatch`: sending a task without ever failing the caller, and the retry backoff.

Reliability rests on one rule: the row is committed before any task is sent
(`transaction.on_commit`), and a send that fails (broker down) is only logged; the
outbox sweeper re-sends every row still pending after a grace period. Tasks then
lock their rows, so a duplicate task (redelivery, sweeper) finds nothing left to do.

The names callers use are importable from here (`from events import services`).
"""

from events.services.conversions import conversion_events_create, conversion_events_replay, conversions_deliver
from events.services.dispatch import task_send
from events.services.outbox import outbox_sweep_tenant
from events.services.webhooks import (
    ERROR_UNKNOWN_ENDPOINT,
    EndpointNotFound,
    webhook_endpoint_delete,
    webhook_endpoint_save,
    webhook_event_fail,
    webhook_event_process,
    webhook_events_replay,
    webhook_receive,
    webhook_store_new,
)

__all__ = [
    "ERROR_UNKNOWN_ENDPOINT",
    "EndpointNotFound",
    "conversion_events_create",
    "conversion_events_replay",
    "conversions_deliver",
    "outbox_sweep_tenant",
    "task_send",
    "webhook_endpoint_delete",
    "webhook_endpoint_save",
    "webhook_event_fail",
    "webhook_event_process",
    "webhook_events_replay",
    "webhook_receive",
    "webhook_store_new",
]
