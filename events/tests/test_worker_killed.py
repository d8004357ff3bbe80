"""A worker killed with SIGKILL in the middle of a delivery: the task runs again and
Meta counts the event once. Two ways a worker dies:

- the pool child is killed (OOM killer): the parent sees the child lost and, because the
  task is `acks_late` + `reject_on_worker_lost`, puts the message back at once;
- the whole worker is killed: the message stays unacknowledged in Redis; the next
  worker that starts after the visibility timeout (short here, set for those workers
  only) restores it. (Kombu restores at start-up, not promptly while running: the
  outbox sweeper is what bounds the delay when no worker restarts.)

Each test starts its own worker on its own queue, so the session worker cannot take
the task instead.
"""

import os
import signal
import time
from pathlib import Path

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from config.testing import Worker, celery_worker_start, wait_for
from events.models import ConversionEvent
from events.tests.utils import setup_tenant

pytestmark = pytest.mark.usefixtures("committed", "celery_worker")

QUEUE = "events-kill"


def _purge_queue() -> None:
    """Messages a failed earlier run left behind would be taken first."""
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(QUEUE)


def _worker(name: str, pool: str, log: Path, **env) -> Worker:
    return celery_worker_start(
        log, name=name, pool=pool, queue=QUEUE, args=("--concurrency=1",), env={"EVENTS_HTTP_TIMEOUT": "30", **env}
    )


def _children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _send_one(event_id: str) -> None:
    from api.services import api_key_create

    with schema_context("alpha"):
        _, plain = api_key_create(name="kill", scopes=["events:write"])
    event = {
        "event_name": "Purchase",
        "event_id": event_id,
        "event_time": int(time.time()) - 5,
        "action_source": "system_generated",
        "user_data": {"em": "kill@example.com"},
        "custom_data": {"currency": "eur", "value": 10},
    }
    response = Client(HTTP_HOST="alpha.localhost").post(
        "/api/events", {"data": [event]}, "application/json", HTTP_AUTHORIZATION=f"Api-Key {plain}"
    )
    assert response.status_code == 202, response.content


def _assert_sent_once(fake_meta, event_id, *logs: Path):
    try:
        [row] = wait_for(lambda: list(_rows(status="sent")), timeout=40)
    except AssertionError as exc:
        raise AssertionError("\n\n".join([str(exc), *(log.read_text()[-4000:] for log in logs)])) from exc
    assert row.attempts == 1  # the killed attempt rolled back with its connection
    sent = [e for e in fake_meta.events_sent() if e["event_id"] == event_id]
    assert len(sent) == 2  # the task ran again ...
    assert sent[0] == sent[1]  # ... with the same event_id and event_time
    assert fake_meta.accepted == {("111", "Purchase", event_id)}  # ... and Meta counts it once
    assert fake_meta.deliveries[("111", "Purchase", event_id)] == 1


def _rows(**filters):
    with schema_context("alpha"):
        return list(ConversionEvent.objects.filter(**filters))


def test_pool_child_killed_mid_delivery_is_requeued_and_counted_once(fake_meta, settings, tmp_path):
    settings.EVENTS_TASK_QUEUE = QUEUE
    _purge_queue()
    setup_tenant("alpha", meta=fake_meta, pixel="111")
    fake_meta.script = ["hang"]
    worker = _worker("kill-child", "prefork", tmp_path / "worker.log")
    try:
        _send_one("order-kill-child")
        assert fake_meta.hanging.wait(20), (tmp_path / "worker.log").read_text()
        [child] = _children(worker.proc.pid)
        os.kill(child, signal.SIGKILL)
        fake_meta.release.set()
        _assert_sent_once(fake_meta, "order-kill-child", tmp_path / "worker.log")
        assert "WorkerLostError" in (tmp_path / "worker.log").read_text()
    finally:
        worker.stop()


def test_whole_worker_killed_mid_delivery_comes_back_after_visibility_timeout(fake_meta, settings, tmp_path):
    settings.EVENTS_TASK_QUEUE = QUEUE
    _purge_queue()
    setup_tenant("alpha", meta=fake_meta, pixel="111")
    fake_meta.script = ["hang"]
    first = _worker("kill-solo-1", "solo", tmp_path / "first.log", CELERY_VISIBILITY_TIMEOUT="2")
    second = None
    try:
        _send_one("order-kill-solo")
        assert fake_meta.hanging.wait(20), (tmp_path / "first.log").read_text()
        os.kill(first.proc.pid, signal.SIGKILL)
        first.proc.wait(10)
        fake_meta.release.set()
        # A worker restores the unacknowledged messages older than its visibility
        # timeout when it starts: start the replacement once the timeout has passed.
        time.sleep(2.5)
        second = _worker("kill-solo-2", "solo", tmp_path / "second.log", CELERY_VISIBILITY_TIMEOUT="2")
        _assert_sent_once(fake_meta, "order-kill-solo", tmp_path / "first.log", tmp_path / "second.log")
    finally:
        first.stop()
        if second is not None:
            second.stop()
