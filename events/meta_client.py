"""The HTTP client of Meta's Conversions API: one POST of a batch to a pixel's
`/events` edge, and which answers are worth a retry.

It only sends; what to send and what a refusal does to the rows is the relay's
(events.services.conversions).
"""

import httpx
from django.conf import settings


class MetaRetryable(Exception):
    """A timeout, connection error, 429 or 5xx: the same events go again later, unchanged."""


def meta_client_open() -> httpx.Client:
    return httpx.Client(timeout=settings.EVENTS_HTTP_TIMEOUT)


def meta_events_post(*, client: httpx.Client, destination, events) -> tuple[int, str]:
    """POST `events` (ConversionEvent rows) to `destination` (a MetaDestination); returns
    the status and the start of the body of an answer below 500 (429 aside): 2xx taken,
    4xx refused. Raises MetaRetryable for anything that may work later."""
    payload = {"data": [event.to_meta() for event in events], "access_token": destination.access_token}
    if destination.test_event_code:
        payload["test_event_code"] = destination.test_event_code
    try:
        response = client.post(destination.events_url, json=payload)
    except httpx.TimeoutException as exc:
        raise MetaRetryable(f"timeout: {exc}") from exc
    except httpx.TransportError as exc:
        raise MetaRetryable(f"connection error: {exc}") from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise MetaRetryable(f"HTTP {response.status_code}: {response.text[:500]}")
    return response.status_code, response.text[:1500]
