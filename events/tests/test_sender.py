"""The web process's sender thread (events.services.webhooks._WebhookSender): deliveries
stored while it lingers go to the broker together, one message per tenant, read back
from the real Redis queue (no worker consumes this test's queue)."""

import base64
import json

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from config.testing import wait_for
from events.models import WebhookEvent
from events.tests.utils import github_headers, setup_tenant

pytestmark = pytest.mark.usefixtures("committed")

QUEUE = "events-sender-linger"
SECRET = "gh-sender-secret"  # noqa: S105 (a test secret)
BODY = json.dumps({"zen": "Design for failure.", "hook_id": 1}).encode()


def _channel():
    from config.celery import app

    return app.connection_for_write()


def _messages() -> list[tuple[str, str, object]]:
    """(tenant schema, task name, first argument) of each message waiting in QUEUE."""
    with _channel() as conn:
        raw = conn.default_channel.client.lrange(QUEUE, 0, -1)
    found = []
    for item in raw:
        message = json.loads(item)
        args = json.loads(base64.b64decode(message["body"]))[0]
        found.append((message["headers"]["_schema_name"], message["headers"]["task"], args[0]))
    return found


def _post(host: str, delivery: str):
    headers = github_headers(BODY, SECRET, delivery)
    return Client(HTTP_HOST=host).post("/api/webhooks/gh/", data=BODY, content_type="application/json", **headers)


def _pks(schema: str) -> list[int]:
    with schema_context(schema):
        return sorted(WebhookEvent.objects.values_list("pk", flat=True))


@pytest.fixture
def queue(settings):
    settings.EVENTS_TASK_QUEUE = QUEUE
    with _channel() as conn:
        conn.default_channel.queue_purge(QUEUE)
    yield
    with _channel() as conn:
        conn.default_channel.queue_purge(QUEUE)


def test_deliveries_stored_while_the_sender_lingers_go_as_one_message_per_tenant(queue, settings):
    settings.EVENTS_WEBHOOK_SEND_LINGER_MS = 3000  # five requests take far less, even on a loaded machine
    for schema in ("alpha", "beta"):
        setup_tenant(schema, scheme="github", secrets=(SECRET,), slug="gh")
    for i in range(3):
        assert _post("alpha.localhost", f"a-{i}").status_code == 202
    for i in range(2):
        assert _post("beta.localhost", f"b-{i}").status_code == 202
    assert _messages() == []  # still lingering
    messages = wait_for(lambda: len(_messages()) >= 2 and _messages(), timeout=30, what="the batches")
    assert sorted(messages) == [
        ("alpha", "events.tasks.webhook_process_batch", _pks("alpha")),
        ("beta", "events.tasks.webhook_process_batch", _pks("beta")),
    ]
    assert len(_pks("alpha")) == 3 and len(_pks("beta")) == 2


def test_a_lone_delivery_is_sent_on_its_own_after_the_linger(queue, settings):
    settings.EVENTS_WEBHOOK_SEND_LINGER_MS = 50
    setup_tenant("alpha", scheme="github", secrets=(SECRET,), slug="gh")
    assert _post("alpha.localhost", "lone").status_code == 202
    [pk] = _pks("alpha")
    assert wait_for(lambda: _messages() or None, timeout=20, what="the message") == [
        ("alpha", "events.tasks.webhook_process", pk)
    ]
