"""POST /api/webhooks/<slug>/: inbound webhooks, verified by signature (no auth).

The raw bytes are read before anything parses them: a signature covers exactly the
bytes the provider sent. The answer comes as soon as the row is stored; processing
happens in a task. No throttle: a provider's retry burst after an outage is exactly
what must get in, and a forged request costs one HMAC before it is refused.
"""

from django.conf import settings
from django.http import HttpRequest
from ninja import Path, Router, Schema, Status

from api.errors import Problem, codes_4xx
from api.parser import body_read
from api.renderers import json_render
from events import services
from events.keeper import webhook_keeper_mark
from events.models import WEBHOOK_SLUG_PATTERN

router = Router(tags=["webhooks"])


class Received(Schema):
    id: int
    duplicate: bool


@router.post(
    "/{slug}/",
    auth=None,
    throttle=[],
    response={200: Received, 202: Received, codes_4xx: Problem},
    summary="Receive a signed webhook (Stripe, GitHub or Standard Webhooks)",
)
def webhook_receive(request: HttpRequest, slug: str = Path(..., pattern=WEBHOOK_SLUG_PATTERN)):
    # Refused by api.errors: 413 over EVENTS_WEBHOOK_MAX_BYTES, 404 an unknown endpoint,
    # 401 a bad signature, 400 a signed but unusable body (nothing stored for any of them).
    body = body_read(request, limit=settings.EVENTS_WEBHOOK_MAX_BYTES)
    event, created = services.webhook_receive(slug=slug, body=body, headers=request.headers)
    if created:  # events.keeper may store the next ones in front of Django, answering the same
        webhook_keeper_mark(request, pk=event.pk, render=_stored_body)
    return Status(202 if created else 200, {"id": event.pk, "duplicate": not created})


def _stored_body(pk: int) -> bytes:
    """The body of a stored delivery's 202 as ninja renders `Received` (events.keeper
    checks it against Django's bytes before it uses it)."""
    return json_render({"id": pk, "duplicate": False})
