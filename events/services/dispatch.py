"""How the events app hands work to Celery, and when a failed attempt goes again.

Both flows (webhooks in, conversions out) follow one rule: the row is committed before
any task is sent (`transaction.on_commit`), and a send that fails (broker down) is only
logged; the outbox sweeper (events.services.outbox) re-sends every row still pending
after a grace period.
"""

import logging
import random

from django.conf import settings
from kombu.exceptions import OperationalError
from redis import RedisError

logger = logging.getLogger(__name__)


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
