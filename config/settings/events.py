"""Settings of the events app: webhook limits, relay batching and retries, and the
Celery reliability settings the app relies on.

Overrides of config/settings/celery.py (deliberate, project-wide):
- `CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]`: with Redis, a message a
  worker took but never acknowledged (acks_late; the worker was killed) comes back
  after this many seconds. It must exceed the longest task run *and* the longest
  retry countdown/ETA (Redis holds ETA tasks unacked), or tasks are delivered twice
  while still running. Our longest countdown is EVENTS_RETRY_MAX_SECONDS (10 min),
  the hard time limit of our tasks 2 min: one hour leaves room. Another app whose tasks
  run longer than an hour must raise it.
- publishing fails fast (`max_retries` 1, short connect timeout): a request that
  stored a row must not hang because Redis is down; the outbox sweeper re-sends.
"""

from config.settings.celery import CELERY_BEAT_SCHEDULE
from config.settings.env import env_bool, env_int, env_str

# -- Celery reliability ---------------------------------------------------------------
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Time limits of the events tasks only (other apps' tasks, e.g. reindexing, run longer).
EVENTS_TASK_TIME_LIMIT = env_int("EVENTS_TASK_TIME_LIMIT", 120)
EVENTS_TASK_SOFT_TIME_LIMIT = env_int("EVENTS_TASK_SOFT_TIME_LIMIT", 100)
CELERY_BEAT_SCHEDULE["events-outbox-sweep"] = {
    "task": "events.tasks.outbox_sweep",
    "schedule": float(env_int("EVENTS_SWEEP_EVERY_SECONDS", 60)),
}

# -- Webhooks in ----------------------------------------------------------------------
EVENTS_WEBHOOK_MAX_BYTES = env_int("EVENTS_WEBHOOK_MAX_BYTES", 256 * 1024)
# How long the sender thread gathers stored deliveries before it publishes them (one
# Celery message per tenant and batch; events.services.webhooks._WebhookSender).
EVENTS_WEBHOOK_SEND_LINGER_MS = env_int("EVENTS_WEBHOOK_SEND_LINGER_MS", 20)
# Deliveries stored in front of Django's handler once Django has answered the same request
# key (events.keeper); 0 leaves every delivery to Django.
EVENTS_WEBHOOK_KEEPER = env_bool("EVENTS_WEBHOOK_KEEPER", True)

# -- Outbox and retries ---------------------------------------------------------------
# A pending row older than this (and not waiting for a scheduled retry) is re-sent.
EVENTS_OUTBOX_GRACE_SECONDS = env_int("EVENTS_OUTBOX_GRACE_SECONDS", 120)
EVENTS_SWEEP_LIMIT = 1000
EVENTS_RETRY_BASE_SECONDS = float(env_str("EVENTS_RETRY_BASE_SECONDS", "5"))
EVENTS_RETRY_MAX_SECONDS = float(env_str("EVENTS_RETRY_MAX_SECONDS", "600"))
EVENTS_MAX_ATTEMPTS = env_int("EVENTS_MAX_ATTEMPTS", 8)
# Empty: the default queue. Tests route to their own worker with it.
EVENTS_TASK_QUEUE = env_str("EVENTS_TASK_QUEUE", "")

# -- Conversions API relay ------------------------------------------------------------
EVENTS_BATCH_SIZE = min(env_int("EVENTS_BATCH_SIZE", 1000), 1000)  # Meta's per-request limit
EVENTS_DEDUPE_HOURS = 48
EVENTS_HTTP_TIMEOUT = float(env_str("EVENTS_HTTP_TIMEOUT", "10"))
