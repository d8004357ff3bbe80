"""Webhook -> conversion event -> Meta, with the real worker and a fake Meta server
(a real HTTP server): exactly once, retries on 5xx and timeouts, a bad event isolated,
two tenants each on their own pixel. Plain PII never reaches the database."""

import hashlib
import json
import time

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from config.testing import wait_for
from events.models import ConversionEvent, MetaDestination, WebhookEvent
from events.services import conversion_events_create
from events.tests.utils import checkout_completed, setup_tenant, stripe_headers
from events.validation import events_clean

pytestmark = pytest.mark.usefixtures("committed", "celery_worker")


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _post_checkout(host, event_id, session_id, secret="whsec_alpha_1", slug="shop"):  # noqa: S107
    body = checkout_completed(event_id, session_id)
    return Client(HTTP_HOST=host).post(
        f"/api/webhooks/{slug}/", data=body, content_type="application/json", **stripe_headers(body, [secret])
    )


def _events(schema, n, prefix="ev", bad=()):
    raw = [
        {
            "event_name": "Lead",
            "event_id": ("bad" if i in bad else prefix) + f"-{i}",
            "event_time": int(time.time()) - 10,
            "action_source": "system_generated",
            "user_data": {"em": f"person{i}@example.com", "client_ip_address": "203.0.113.9"},
        }
        for i in range(n)
    ]
    with schema_context(schema):
        created, _ = conversion_events_create(events=events_clean(data=raw, max_batch=1000))
    return created


def _rows(schema, **filters):
    with schema_context(schema):
        return list(ConversionEvent.objects.filter(**filters).order_by("event_id"))


def test_stripe_checkout_reaches_meta_once_as_a_hashed_purchase(fake_meta, celery_worker):
    setup_tenant("alpha", meta=fake_meta, pixel="111")
    assert _post_checkout("alpha.localhost", "evt_1", "cs_1").status_code == 202
    assert _post_checkout("alpha.localhost", "evt_1", "cs_1").status_code == 200  # Stripe retried
    wait_for(lambda: _rows("alpha", status="sent"))
    celery_worker.idle_wait()  # a wrong second delivery would have been made by now
    sent = fake_meta.events_sent("111")
    assert len(sent) == 1
    assert fake_meta.requests[0]["body"]["access_token"] == "token-alpha"
    event = sent[0]
    assert (event["event_name"], event["event_id"], event["action_source"]) == ("Purchase", "cs_1", "system_generated")
    assert event["user_data"]["em"] == _sha("buyer@example.com")
    assert event["user_data"]["ph"] == _sha("33612345678")
    assert event["custom_data"] == {"currency": "eur", "value": 49.99}
    [row] = _rows("alpha")
    assert "buyer" not in str(row.user_data).lower()
    with schema_context("alpha"):
        hook = WebhookEvent.objects.get()
    assert (hook.status, hook.attempts) == ("done", 1)


def test_meta_500_then_200_retries_with_the_same_event_id_and_time(fake_meta):
    setup_tenant("alpha", meta=fake_meta)
    fake_meta.script = ["500"]
    [created] = _events("alpha", 1)
    [row] = wait_for(lambda: _rows("alpha", status="sent"))
    assert row.attempts == 2
    sent = fake_meta.events_sent()
    assert len(sent) == 2
    assert {(e["event_id"], e["event_time"]) for e in sent} == {(created.event_id, created.event_time)}


def test_timeout_is_retried_and_meta_counts_the_event_once(fake_meta):
    setup_tenant("alpha", meta=fake_meta)
    fake_meta.script = ["timeout"]
    _events("alpha", 1)
    [row] = wait_for(lambda: _rows("alpha", status="sent"))
    assert row.attempts == 2
    assert len(fake_meta.requests) == 2
    assert len(fake_meta.accepted) == 1


def test_one_bad_event_is_isolated_and_the_good_ones_go(fake_meta):
    setup_tenant("alpha", meta=fake_meta)
    _events("alpha", 6, bad={4})
    wait_for(lambda: not _rows("alpha", status="pending"))
    assert [r.event_id for r in _rows("alpha", status="sent")] == ["ev-0", "ev-1", "ev-2", "ev-3", "ev-5"]
    [rejected] = _rows("alpha", status="rejected")
    assert rejected.event_id == "bad-4"
    assert "Invalid parameter" in rejected.last_error
    assert len(fake_meta.accepted) == 5


def test_events_of_each_tenant_go_only_to_its_own_pixel(fake_meta):
    setup_tenant("alpha", meta=fake_meta, pixel="111")
    setup_tenant("beta", meta=fake_meta, pixel="222")
    _events("alpha", 3, prefix="a")
    _events("beta", 2, prefix="b")
    wait_for(lambda: len(_rows("alpha", status="sent")) == 3 and len(_rows("beta", status="sent")) == 2)
    assert {e["event_id"] for e in fake_meta.events_sent("111")} == {"a-0", "a-1", "a-2"}
    assert {e["event_id"] for e in fake_meta.events_sent("222")} == {"b-0", "b-1"}
    tokens = {r["pixel"]: r["body"]["access_token"] for r in fake_meta.requests}
    assert tokens == {"111": "token-alpha", "222": "token-beta"}


def test_invalid_payload_fails_at_once_with_its_error_shown(fake_meta):
    """A checkout older than Meta's 7 days cannot become a conversion, and retrying
    will not change that: the delivery is failed at once with the reason."""
    setup_tenant("alpha", meta=fake_meta)
    body = json.loads(checkout_completed("evt_old", "cs_old"))
    body["created"] = int(time.time()) - 8 * 24 * 3600
    raw = json.dumps(body).encode()
    response = Client(HTTP_HOST="alpha.localhost").post(
        "/api/webhooks/shop/", data=raw, content_type="application/json", **stripe_headers(raw, ["whsec_alpha_1"])
    )
    assert response.status_code == 202

    def failed():
        with schema_context("alpha"):
            return WebhookEvent.objects.filter(status="failed").first()

    hook = wait_for(failed, timeout=30)
    assert hook.attempts == 1
    assert "Older than 7 days" in hook.last_error
    assert _rows("alpha") == [] and fake_meta.requests == []


def test_consent_options_and_test_event_code_pass_through(fake_meta):
    setup_tenant("alpha", meta=fake_meta)
    with schema_context("alpha"):
        MetaDestination.objects.update(test_event_code="TEST4242")
    raw = [
        {
            "event_name": "Lead",
            "event_id": "ldu-1",
            "event_time": int(time.time()) - 10,
            "action_source": "system_generated",
            "user_data": {"external_id": "u-1"},
            "data_processing_options": ["LDU"],
            "data_processing_options_country": 1,
            "data_processing_options_state": 1000,
        }
    ]
    with schema_context("alpha"):
        conversion_events_create(events=events_clean(data=raw, max_batch=1000))
    wait_for(lambda: _rows("alpha", status="sent"))
    request = fake_meta.requests[0]["body"]
    assert request["test_event_code"] == "TEST4242"
    event = request["data"][0]
    assert event["data_processing_options"] == ["LDU"]
    assert (event["data_processing_options_country"], event["data_processing_options_state"]) == (1, 1000)


def test_a_burst_of_deliveries_sent_in_batches_is_processed_once_each(fake_meta, celery_worker):
    """Deliveries stored faster than this process publishes go to the worker as batches
    (one message per tenant for the ones waiting, services._WebhookSender), sent by the
    sender's thread: each is still processed exactly once and reaches Meta once, in the
    tenant it was stored in."""
    import threading

    from events.services.webhooks import _webhook_sender

    setup_tenant("alpha", meta=fake_meta, pixel="111")
    setup_tenant("beta", meta=fake_meta, pixel="222")
    # Deliveries queued together, as the thread finds them under load: a batch per tenant.
    batches = []
    for schema, host in (("alpha", "alpha.localhost"), ("beta", "beta.localhost")):
        with schema_context(schema):
            before = set(WebhookEvent.objects.values_list("pk", flat=True))
        for i in range(3):
            assert _post_checkout(host, f"evt_{schema}_b{i}", f"cs_{schema}_b{i}").status_code == 202
        with schema_context(schema):
            batches.append((schema, sorted(set(WebhookEvent.objects.values_list("pk", flat=True)) - before)))
    for schema, pks in batches:
        _webhook_sender.send({schema: pks})  # the batch message, twice: a redelivery is a no-op
        _webhook_sender.send({schema: pks})
    # And a real burst from several request threads at once.
    statuses = []

    def post(i):
        from django.db import connection

        try:
            statuses.append(_post_checkout("alpha.localhost", f"evt_burst_{i}", f"cs_burst_{i}").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [202] * 12
    wait_for(lambda: len(_rows("alpha", status="sent")) == 15 and len(_rows("beta", status="sent")) == 3, timeout=60)
    celery_worker.idle_wait()  # a wrong second processing would have run by now
    with schema_context("alpha"):
        assert set(WebhookEvent.objects.values_list("status", "attempts")) == {("done", 1)}
    assert len(_rows("alpha")) == 15 and len(_rows("beta")) == 3
    assert {e["event_id"] for e in fake_meta.events_sent("222")} == {f"cs_beta_b{i}" for i in range(3)}
    assert set(fake_meta.deliveries.values()) == {1}
