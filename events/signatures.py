"""Signature schemes of inbound webhooks, verified over the raw body bytes.

Each scheme turns (raw body, headers, secrets) into a `Delivery` (provider event id,
type, headers worth keeping) or raises `SignatureError` (-> 401) or `MalformedError`
(-> 400). Every comparison of a signature is constant time (`hmac.compare_digest`);
every secret of the endpoint is tried, so rotation needs no downtime.
"""

import hashlib
import hmac
import json
import time
from dataclasses import dataclass

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from events.models import Scheme

# Stripe's and Standard Webhooks' default tolerance: a replay older than this is refused.
TOLERANCE_SECONDS = 300

ERROR_MISSING_SIGNATURE = "The signature header is missing."
ERROR_BAD_SIGNATURE = "No signature matches any secret of this endpoint."
ERROR_STALE_TIMESTAMP = "The signature timestamp is outside the 5 minute tolerance."
ERROR_MALFORMED_HEADER = "The signature header is malformed."
ERROR_BODY_NOT_JSON = "The body is not a JSON object."
ERROR_NO_EVENT_ID = "The delivery carries no usable event id (a string of 1 to 255 characters)."
ERROR_BAD_TYPE = "The event type must be a string of at most 255 characters."


class SignatureError(Exception):
    """The request is not from the holder of a secret (or is a stale replay): 401."""


class MalformedError(Exception):
    """The request is signed but unusable (bad JSON, no id): 400."""


@dataclass(frozen=True)
class Delivery:
    event_id: str
    event_type: str
    headers: dict


def _json_object(body: bytes) -> dict:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedError(ERROR_BODY_NOT_JSON) from exc
    if not isinstance(payload, dict):
        raise MalformedError(ERROR_BODY_NOT_JSON)
    return payload


def _text(value, *, required: bool) -> str:
    """An id or type as stored: a string without NUL (PostgreSQL text cannot hold it)."""
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value or "\x00" in value or len(value) > 255:
        raise MalformedError(ERROR_NO_EVENT_ID if required else ERROR_BAD_TYPE)
    return value


def _keep(headers, names) -> dict:
    return {name: headers[name] for name in names if name in headers}


def verify_stripe(body: bytes, headers, secrets: list[str], now: float | None = None) -> Delivery:
    """Stripe-Signature: t=<unix>,v1=<hex hmac-sha256 of "t.body">[,v1=...] (one v1 per
    active secret during Stripe's own rotation)."""
    header = headers.get("Stripe-Signature")
    if not header:
        raise SignatureError(ERROR_MISSING_SIGNATURE)
    timestamp, candidates = None, []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1":
            candidates.append(value)
    if not timestamp or not timestamp.isdigit() or not candidates:
        raise SignatureError(ERROR_MALFORMED_HEADER)
    signed = timestamp.encode() + b"." + body
    if not _any_match(signed, secrets, candidates):
        raise SignatureError(ERROR_BAD_SIGNATURE)
    # Checked after the signature so a forger learns nothing from the answer.
    if abs((now or time.time()) - int(timestamp)) > TOLERANCE_SECONDS:
        raise SignatureError(ERROR_STALE_TIMESTAMP)
    payload = _json_object(body)
    event_id = _text(payload.get("id"), required=True)
    event_type = _text(payload.get("type"), required=False)
    return Delivery(event_id, event_type, _keep(headers, ["Stripe-Signature", "User-Agent"]))


def verify_github(body: bytes, headers, secrets: list[str], now: float | None = None) -> Delivery:
    """X-Hub-Signature-256: sha256=<hex hmac-sha256 of body>. GitHub signs no timestamp,
    so replays are caught by the delivery id being unique per endpoint."""
    header = headers.get("X-Hub-Signature-256")
    if not header:
        raise SignatureError(ERROR_MISSING_SIGNATURE)
    prefix, _, signature = header.partition("=")
    if prefix != "sha256" or not signature:
        raise SignatureError(ERROR_MALFORMED_HEADER)
    if not _any_match(body, secrets, [signature]):
        raise SignatureError(ERROR_BAD_SIGNATURE)
    _json_object(body)
    delivery_id = _text(headers.get("X-GitHub-Delivery"), required=True)
    event_type = _text(headers.get("X-GitHub-Event"), required=False)
    kept = _keep(headers, ["X-Hub-Signature-256", "X-GitHub-Delivery", "X-GitHub-Event", "User-Agent"])
    return Delivery(delivery_id, event_type, kept)


def verify_standard(body: bytes, headers, secrets: list[str], now: float | None = None) -> Delivery:
    """Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature), verified by
    the `standardwebhooks` reference library; it compares in constant time."""
    names = ["webhook-id", "webhook-timestamp", "webhook-signature"]
    sent = {name: headers.get(name) for name in names}
    if not all(sent.values()):
        raise SignatureError(ERROR_MISSING_SIGNATURE)
    try:
        stamp = int(sent["webhook-timestamp"])
    except ValueError as exc:
        raise SignatureError(ERROR_MALFORMED_HEADER) from exc
    matched = False
    for secret in secrets:
        try:
            Webhook(secret).verify(body, sent, json_parse=False)
        except WebhookVerificationError:
            continue
        except ValueError:  # a malformed signature entry or secret (bad base64, no comma)
            continue
        matched = True
        break
    if not matched:
        # The library refuses stale and bad alike; tell the sender which one it was.
        if abs((now or time.time()) - stamp) > TOLERANCE_SECONDS:
            raise SignatureError(ERROR_STALE_TIMESTAMP)
        raise SignatureError(ERROR_BAD_SIGNATURE)
    payload = _json_object(body)
    event_id = _text(sent["webhook-id"], required=True)
    event_type = _text(payload.get("type"), required=False)
    return Delivery(event_id, event_type, _keep(headers, names + ["User-Agent"]))


def _any_match(signed: bytes, secrets: list[str], candidates: list[str]) -> bool:
    matched = False
    for secret in secrets:
        expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest().encode()
        for candidate in candidates:
            # No early exit: the time spent does not depend on which secret matched.
            matched |= hmac.compare_digest(expected, candidate.encode("utf-8", "replace"))
    return matched


VERIFIERS = {Scheme.STRIPE: verify_stripe, Scheme.GITHUB: verify_github, Scheme.STANDARD: verify_standard}
