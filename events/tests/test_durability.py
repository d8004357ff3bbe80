"""A 2xx to a webhook sender means the row is on disk: it survives PostgreSQL crashing
right after the answer. The sender was told "stored" and will not retry, so the commit
must not be deferred (no `synchronous_commit = off`, whose commit record waits up to
three wal_writer_delay in memory: an immediate stop right after the answer loses it).

The real embedded server is stopped the hard way (SIGQUIT to the postmaster: PostgreSQL's
immediate shutdown, every process ends at once, no checkpoint), started again, and
recovers from its WAL; the row is read back. Twice: stored by Django, and by events.keeper in
front of it (the conftest's client posts through config.wsgi; the keeper stores a request
key's deliveries once Django has stored one)."""

import json
import os
import signal
from pathlib import Path

import pytest
from django.db import connection, connections
from django.test import Client
from django_tenants.utils import schema_context

from config import services
from config.testing import wait_for
from events.models import WebhookEvent
from events.tests.utils import github_headers, setup_tenant

pytestmark = pytest.mark.usefixtures("committed")

SECRET = "gh-durable-secret"  # noqa: S105 (a test secret)
BODY = json.dumps({"zen": "Avoid administrative distraction.", "hook_id": 9}).encode()


def _status(pk: int) -> str:
    with schema_context("alpha"):
        return WebhookEvent.objects.get(pk=pk).status


@pytest.mark.parametrize("by_keeper", [False, True], ids=["django", "keeper"])
def test_a_delivery_answered_202_survives_a_postgres_crash_right_after(by_keeper, settings, celery_worker):
    setup_tenant("alpha", scheme="github", secrets=(SECRET,), slug="gh")
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
        cursor.execute("SHOW fsync")
        assert cursor.fetchone()[0] == "on"
    pgdata = Path(settings.DATA_DIR) / "pg"
    log = pgdata / "log"
    logged_before = log.stat().st_size

    client = Client(HTTP_HOST="alpha.localhost")
    if by_keeper:  # Django stores one: the keeper stores the next
        first = client.post("/api/webhooks/gh/", BODY, "application/json", **github_headers(BODY, SECRET, "crash-0"))
        assert first.status_code == 202 and not first.by_keeper
        wait_for(lambda: _status(first.json()["id"]) == WebhookEvent.Status.DONE, timeout=60, what="the first one")
    headers = github_headers(BODY, SECRET, "crash-1")
    response = client.post("/api/webhooks/gh/", data=BODY, content_type="application/json", **headers)
    assert response.status_code == 202, response.content
    assert response.by_keeper is by_keeper
    pk = response.json()["id"]

    pid = services._postmaster(pgdata)[0]
    os.kill(pid, signal.SIGQUIT)  # immediate shutdown, at once after the answer
    connections.close_all()
    try:
        wait_for(lambda: services._postmaster(pgdata) is None, timeout=30, what="PostgreSQL to stop")
    finally:
        services.postgres_url(settings.DATA_DIR)
    # It did crash: the next start replayed the WAL (the row was not in a checkpoint).
    assert b"automatic recovery in progress" in log.read_bytes()[logged_before:]

    with schema_context("alpha"):
        event = WebhookEvent.objects.get(pk=pk)
    assert (event.provider_event_id, bytes(event.body)) == ("crash-1", BODY)
    with schema_context("beta"):
        assert not WebhookEvent.objects.filter(provider_event_id="crash-1").exists()
    # And it is processed: the worker's task met PostgreSQL down and retried. Waited for
    # here, so no test after this one starts with the worker holding a retrying task.
    wait_for(lambda: _status(pk) == WebhookEvent.Status.DONE, timeout=60, what="the delivery processed")
    celery_worker.idle_wait()
