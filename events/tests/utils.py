"""Helpers of the events tests: signed senders for each webhook scheme, a Stripe checkout
body, and committed rows for the tests that need the real Celery worker."""

import base64
import hashlib
import hmac
import json
import time

from django_tenants.utils import schema_context

STANDARD_SECRET = "whsec_" + base64.b64encode(b"standard-secret-of-alpha-0123456").decode()
STANDARD_SECRET_NEW = "whsec_" + base64.b64encode(b"standard-secret-rotated-98765432").decode()


# --- signed senders -----------------------------------------------------------------


def stripe_headers(body: bytes, secrets: list[str], t: int | None = None) -> dict:
    t = int(time.time()) if t is None else t
    sigs = ",".join("v1=" + hmac.new(s.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest() for s in secrets)
    return {"HTTP_STRIPE_SIGNATURE": f"t={t},{sigs}"}


def github_headers(body: bytes, secret: str, delivery: str) -> dict:
    sig = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {
        "HTTP_X_HUB_SIGNATURE_256": f"sha256={sig}",
        "HTTP_X_GITHUB_DELIVERY": delivery,
        "HTTP_X_GITHUB_EVENT": "push",
    }


def standard_headers(body: bytes, secret: str, msg_id: str, t: int | None = None) -> dict:
    from datetime import UTC, datetime

    from standardwebhooks.webhooks import Webhook

    t = int(time.time()) if t is None else t
    sig = Webhook(secret).sign(msg_id, datetime.fromtimestamp(t, tz=UTC), body.decode())
    return {"HTTP_WEBHOOK_ID": msg_id, "HTTP_WEBHOOK_TIMESTAMP": str(t), "HTTP_WEBHOOK_SIGNATURE": sig}


def checkout_completed(event_id: str, session_id: str, email: str = "Buyer@Example.com ") -> bytes:
    payload = {
        "id": event_id,
        "type": "checkout.session.completed",
        "created": int(time.time()) - 5,
        "data": {
            "object": {
                "id": session_id,
                "object": "checkout.session",
                "amount_total": 4999,
                "currency": "EUR",
                "customer": "cus_123",
                "customer_details": {"email": email, "phone": "+33 6 12 34 56 78", "address": {"country": "FR"}},
                "metadata": {},
            }
        },
    }
    return json.dumps(payload).encode()


def events_purge(*schemas: str) -> None:
    from events.models import ConversionEvent, MetaDestination, WebhookEndpoint, WebhookEvent

    for schema in schemas:
        with schema_context(schema):
            ConversionEvent.objects.all().delete()
            WebhookEvent.objects.all().delete()
            WebhookEndpoint.objects.all().delete()
            MetaDestination.objects.all().delete()


def setup_tenant(schema: str, *, scheme="stripe", secrets=("whsec_alpha_1",), slug="shop", meta=None, pixel="111"):
    from events.models import MetaDestination, WebhookEndpoint

    with schema_context(schema):
        endpoint = WebhookEndpoint.objects.create(name=slug, slug=slug, scheme=scheme, secrets="\n".join(secrets))
        if meta is not None:
            MetaDestination.objects.create(
                pixel_id=pixel, access_token=f"token-{schema}", api_version="v21.0", base_url=meta.url
            )
    return endpoint


# --- through the WSGI application the web servers load (events.keeper in front) --------


class WsgiAnswer:
    """What config.wsgi.application answered: status line, headers (in order), body, and
    whether events.keeper stored the delivery itself (Django never saw the request)."""

    def __init__(self, status: str, headers: list, body: bytes, by_keeper: bool):
        self.status, self.headers, self.body, self.by_keeper = status, headers, body, by_keeper

    @property
    def code(self) -> int:
        return int(self.status.split()[0])

    def json(self):
        return json.loads(self.body)

    def same_bytes(self) -> tuple:
        return self.status, self.headers, self.body


def wsgi_call(environ: dict) -> WsgiAnswer:
    """Call config.wsgi.application with `environ` as a web server would. Like Django's test
    client, the test's transaction stays open across the request (no close_old_connections)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from config.wsgi import application
    from events.keeper import STORED_KEY

    answer = {}

    def start_response(status, headers, exc_info=None):
        answer.update(status=status, headers=list(headers))

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        result = application(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return WsgiAnswer(answer["status"], answer["headers"], body, by_keeper=STORED_KEY in environ)


def wsgi_post(host: str, path: str, body: bytes, headers: dict, **extra) -> WsgiAnswer:
    """POST `body` to `path` on `host` through config.wsgi.application."""
    from django.test import RequestFactory

    request = RequestFactory().post(path, body, content_type="application/json", HTTP_HOST=host, **headers, **extra)
    return wsgi_call(request.environ)
