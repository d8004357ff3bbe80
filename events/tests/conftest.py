"""Fixtures of the events tests: a fake Meta Graph API (a real HTTP server in a
thread), signed senders for each webhook scheme, and committed-data helpers for tests
that need the real Celery worker."""

import base64
import hashlib
import hmac
import json
import os
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django_tenants.utils import schema_context

# Short retries for the worker processes the tests start (read by their settings).
os.environ.setdefault("EVENTS_RETRY_BASE_SECONDS", "0.2")
os.environ.setdefault("EVENTS_RETRY_MAX_SECONDS", "0.5")
os.environ.setdefault("EVENTS_HTTP_TIMEOUT", "1")
os.environ.setdefault("EVENTS_MAX_ATTEMPTS", "5")

STANDARD_SECRET = "whsec_" + base64.b64encode(b"standard-secret-of-alpha-0123456").decode()
STANDARD_SECRET_NEW = "whsec_" + base64.b64encode(b"standard-secret-rotated-98765432").decode()


class FakeMeta:
    """Plays graph.facebook.com/<version>/<pixel>/events.

    `script` is a list of behaviours used one per request, then "ok" forever:
    "ok" (200), "500", "timeout" (sleeps past the client's timeout, then 200),
    "hang" (waits until `release` is set). Any event whose event_id starts with
    "bad" makes its batch a 400, like Meta refusing a whole batch for one event.
    Accepted events are deduplicated on (pixel, event_name, event_id) like Meta does.
    """

    def __init__(self, port: int):
        self.script: list[str] = []
        self.requests: list[dict] = []
        self.accepted: set = set()  # what Meta counts: one per (pixel, name, id)
        self.deliveries: Counter = Counter()  # how often each was accepted (2xx)
        self.release = threading.Event()
        self.hanging = threading.Event()
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                pixel = self.path.strip("/").split("/")[1]
                with fake.lock:
                    fake.requests.append({"path": self.path, "pixel": pixel, "body": body})
                    behaviour = fake.script.pop(0) if fake.script else "ok"
                if behaviour == "500":
                    return self._answer(500, {"error": {"message": "Service temporarily unavailable", "code": 2}})
                if behaviour == "timeout":
                    time.sleep(1.6)
                if behaviour == "hang":
                    fake.hanging.set()
                    fake.release.wait(30)
                    return self._answer(500, {"error": {"message": "released"}})
                bad = [e for e in body["data"] if str(e.get("event_id", "")).startswith("bad")]
                if bad:
                    return self._answer(
                        400,
                        {"error": {"message": "Invalid parameter", "code": 100, "error_user_msg": "bad event"}},
                    )
                with fake.lock:
                    for event in body["data"]:
                        key = (pixel, event["event_name"], event["event_id"])
                        fake.deliveries[key] += 1
                        fake.accepted.add(key)
                self._answer(200, {"events_received": len(body["data"]), "messages": [], "fbtrace_id": "x"})

            def _answer(self, status, payload):
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client (a killed worker) is gone

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def events_sent(self, pixel: str | None = None) -> list[dict]:
        return [e for r in self.requests if pixel in (None, r["pixel"]) for e in r["body"]["data"]]

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_meta():
    fake = FakeMeta(8410)
    yield fake
    fake.close()


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


# --- committed data for the worker --------------------------------------------------


def events_purge(*schemas: str) -> None:
    from events.models import ConversionEvent, MetaDestination, WebhookEndpoint, WebhookEvent

    for schema in schemas:
        with schema_context(schema):
            ConversionEvent.objects.all().delete()
            WebhookEvent.objects.all().delete()
            WebhookEndpoint.objects.all().delete()
            MetaDestination.objects.all().delete()


@pytest.fixture
def committed(django_db_blocker, django_db_setup):
    """Run the test on committed data (the worker sees it); wiped afterwards."""
    with django_db_blocker.unblock():
        events_purge("alpha", "beta")
        yield
        events_purge("alpha", "beta")


def setup_tenant(schema: str, *, scheme="stripe", secrets=("whsec_alpha_1",), slug="shop", meta=None, pixel="111"):
    from events.models import MetaDestination, WebhookEndpoint

    with schema_context(schema):
        endpoint = WebhookEndpoint.objects.create(name=slug, slug=slug, scheme=scheme, secrets="\n".join(secrets))
        if meta is not None:
            MetaDestination.objects.create(
                pixel_id=pixel, access_token=f"token-{schema}", api_version="v21.0", base_url=meta.url
            )
    return endpoint


def wait_for(predicate, timeout=20.0, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")
