"""Stripe events the platform acts on."""

from django.conf import settings

from events.models import ConversionEvent
from events.services.conversions import conversion_events_create
from events.validation import events_clean


def stripe_checkout_completed(*, event, payload: dict) -> None:
    """A paid Stripe Checkout (`checkout.session.completed`) becomes a Purchase for the
    Conversions API.

    The checkout session id is the event_id, so the browser pixel can send the same id
    and Meta keeps one of the two. The browser's user agent, page URL, fbp and fbc
    travel in the session's metadata when the shop put them there (then the event is a
    `website` event); otherwise it is `system_generated`.
    """
    session = payload.get("data", {}).get("object", {})
    details = session.get("customer_details") or {}
    address = details.get("address") or {}
    metadata = session.get("metadata") or {}
    user_data = {
        "em": details.get("email"),
        "ph": details.get("phone"),
        "external_id": session.get("customer"),
        "country": address.get("country"),
        "zp": address.get("postal_code"),
        "ct": address.get("city"),
    }
    for clear in ("client_user_agent", "client_ip_address", "fbp", "fbc"):
        user_data[clear] = metadata.get(clear)
    user_data = {key: value for key, value in user_data.items() if value}
    website = bool(metadata.get("client_user_agent") and metadata.get("event_source_url"))
    raw = {
        "event_name": "Purchase",
        "event_id": session.get("id") or payload["id"],
        "event_time": int(payload.get("created") or session.get("created")),
        "action_source": "website" if website else "system_generated",
        "user_data": user_data,
        "custom_data": {
            "currency": (session.get("currency") or "").lower(),
            "value": (session.get("amount_total") or 0) / 100,
        },
    }
    if website:
        raw["event_source_url"] = metadata["event_source_url"]
    clean = events_clean(data=[raw], max_batch=settings.EVENTS_BATCH_SIZE)
    conversion_events_create(events=clean, source=ConversionEvent.Source.WEBHOOK, webhook_event=event)
