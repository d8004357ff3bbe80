"""Webhook senders over real HTTP: a sender (httpx, its own TCP connection) posts signed
Stripe, GitHub and Standard Webhooks deliveries to gunicorn serving the test database;
the real worker processes them and the fake Meta server (a real HTTP server) receives
the Purchase. Two tenants: each one's secret verifies only on its own endpoint, and its
conversion goes only to its own pixel."""

import time

import httpx
import pytest
from django_tenants.utils import schema_context

from config.testing import wait_for
from events.models import Scheme, WebhookEvent
from events.tests.utils import (
    STANDARD_SECRET,
    checkout_completed,
    github_headers,
    setup_tenant,
    standard_headers,
    stripe_headers,
)

pytestmark = pytest.mark.usefixtures("committed", "celery_worker")


def _wire(meta_headers: dict) -> dict:
    """The helpers build Django test-client META keys; a real sender sends header names."""
    return {key.removeprefix("HTTP_").replace("_", "-").title(): value for key, value in meta_headers.items()}


def _send(port: int, host: str, slug: str, body: bytes, headers: dict) -> httpx.Response:
    return httpx.post(
        f"http://127.0.0.1:{port}/api/webhooks/{slug}/",
        content=body,
        headers={"Host": host, "Content-Type": "application/json", **_wire(headers)},
        timeout=10,
    )


def _stored(schema: str) -> list[WebhookEvent]:
    with schema_context(schema):
        return list(WebhookEvent.objects.order_by("id"))


def test_each_scheme_over_real_http_is_verified_stored_and_processed(web_server, fake_meta, celery_worker):
    setup_tenant("alpha", meta=fake_meta, pixel="111")
    setup_tenant("alpha", scheme=Scheme.GITHUB, secrets=["gh-secret-alpha"], slug="github")
    setup_tenant("alpha", scheme=Scheme.STANDARD, secrets=[STANDARD_SECRET], slug="standard")

    checkout = checkout_completed("evt_http_1", "cs_http_1")
    assert (
        _send(web_server, "alpha.localhost", "shop", checkout, stripe_headers(checkout, ["whsec_alpha_1"])).status_code
        == 202
    )
    push = b'{"ref": "refs/heads/main", "commits": []}'
    github = github_headers(push, "gh-secret-alpha", "delivery-http-1")
    assert _send(web_server, "alpha.localhost", "github", push, github).status_code == 202
    message = b'{"type": "invoice.paid", "data": {"id": "inv_1"}}'
    standard = standard_headers(message, STANDARD_SECRET, "msg_http_1")
    assert _send(web_server, "alpha.localhost", "standard", message, standard).status_code == 202

    # A retry of the same delivery is answered 200 and not stored again; a tampered body,
    # a stale timestamp or no signature are refused and write nothing.
    assert _send(web_server, "alpha.localhost", "github", push, github).status_code == 200
    tampered = _send(
        web_server, "alpha.localhost", "shop", checkout + b" ", stripe_headers(checkout, ["whsec_alpha_1"])
    )
    assert tampered.status_code == 401
    assert tampered.headers["Content-Type"] == "application/problem+json"
    stale = stripe_headers(checkout, ["whsec_alpha_1"], t=int(time.time()) - 3600)
    assert _send(web_server, "alpha.localhost", "shop", checkout, stale).status_code == 401
    assert _send(web_server, "alpha.localhost", "shop", checkout, {}).status_code == 401
    assert len(_stored("alpha")) == 3

    # The worker runs each delivery once; the Stripe checkout becomes a hashed Purchase.
    wait_for(lambda: all(event.status == "done" for event in _stored("alpha")))
    wait_for(lambda: fake_meta.events_sent("111"))
    celery_worker.idle_wait()  # a wrong second delivery would have been made by now
    [purchase] = fake_meta.events_sent("111")
    assert (purchase["event_name"], purchase["event_id"]) == ("Purchase", "cs_http_1")
    assert "buyer" not in str(purchase["user_data"]).lower()
    assert [event.attempts for event in _stored("alpha")] == [1, 1, 1]


def test_a_tenants_secret_does_not_verify_on_the_other_tenant_over_http(web_server, fake_meta, celery_worker):
    setup_tenant("alpha", meta=fake_meta, pixel="111", secrets=["whsec_alpha_1"])
    setup_tenant("beta", meta=fake_meta, pixel="222", secrets=["whsec_beta_1"])

    body = checkout_completed("evt_cross_1", "cs_cross_1")
    alpha_signed = stripe_headers(body, ["whsec_alpha_1"])
    assert _send(web_server, "beta.localhost", "shop", body, alpha_signed).status_code == 401
    assert _stored("beta") == []
    assert _send(web_server, "alpha.localhost", "shop", body, alpha_signed).status_code == 202

    wait_for(lambda: fake_meta.events_sent("111"))
    celery_worker.idle_wait()  # a delivery to beta's pixel would have been made by now
    assert [e["event_id"] for e in fake_meta.events_sent("111")] == ["cs_cross_1"]
    assert fake_meta.events_sent("222") == []
    assert _stored("beta") == []
