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
