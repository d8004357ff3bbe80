"""Nothing accepted is lost: Redis (broker and cache) stopped while webhooks and events
arrive. Requests still succeed and rows are stored; once Redis is back, the outbox
sweeper (run by beat every minute) re-sends the work and everything is processed
exactly once."""

import time

import pytest
from django.conf import settings
from django.test import Client
from django_tenants.utils import schema_context

from config import services as embedded
from config.testing import wait_for
from events.models import ConversionEvent, WebhookEvent
from events.tasks import outbox_sweep
from events.tests.utils import checkout_completed, setup_tenant, stripe_headers

pytestmark = pytest.mark.usefixtures("committed", "celery_worker")


def _api_key():
    from api.services import api_key_create

    with schema_context("alpha"):
        key, plain = api_key_create(name="outage", scopes=["events:write"])
    return key, {"HTTP_AUTHORIZATION": f"Api-Key {plain}"}


def _lead(i):
    return {
        "event_name": "Lead",
        "event_id": f"lead-{i}",
        "event_time": int(time.time()) - 5,
        "action_source": "system_generated",
        "user_data": {"em": f"lead{i}@example.com"},
    }


def _counts():
    with schema_context("alpha"):
        return (
            WebhookEvent.objects.filter(status="done").count(),
            ConversionEvent.objects.filter(status="sent").count(),
            ConversionEvent.objects.count(),
        )


def test_redis_down_loses_nothing_and_processes_everything_once(fake_meta, celery_worker):
    setup_tenant("alpha", meta=fake_meta, pixel="111")
    key, auth = _api_key()
    client = Client(HTTP_HOST="alpha.localhost")
    embedded.redis_stop(settings.DATA_DIR)
    try:
        for i in range(5):
            body = checkout_completed(f"evt_out_{i}", f"cs_out_{i}")
            response = client.post(
                "/api/webhooks/shop/",
                data=body,
                content_type="application/json",
                **stripe_headers(body, ["whsec_alpha_1"]),
            )
            assert response.status_code == 202, response.content
        response = client.post("/api/events", {"data": [_lead(i) for i in range(3)]}, "application/json", **auth)
        assert response.status_code == 202, response.content
        with schema_context("alpha"):
            assert WebhookEvent.objects.filter(status="pending").count() == 5
            assert ConversionEvent.objects.filter(status="pending").count() == 3
    finally:
        embedded.redis_url(settings.DATA_DIR)
        with schema_context("alpha"):
            key.delete()

    # What beat does every minute; grace 0 because the test cannot wait a minute.
    outbox_sweep.apply_async(kwargs={"grace_seconds": 0}, retry=True)
    wait_for(lambda: _counts() == (5, 8, 8), timeout=60)
    outbox_sweep.apply_async(kwargs={"grace_seconds": 0}, retry=True)  # a second sweep finds nothing to do
    celery_worker.idle_wait()  # the second sweep has run and sent nothing
    assert _counts() == (5, 8, 8)
    assert len(fake_meta.accepted) == 8
    assert set(fake_meta.deliveries.values()) == {1}
