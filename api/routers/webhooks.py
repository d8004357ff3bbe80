"""POST /api/webhooks/<slug>/: inbound webhooks, verified by signature (no auth).

The raw bytes are read before anything parses them: a signature covers exactly the
bytes the provider sent. The answer comes as soon as the row is stored; processing
happens in a task. No throttle: a provider's retry burst after an outage is exactly
what must get in, and a forged request costs one HMAC before it is refused.
"""

from django.conf import settings
from django.http import HttpRequest
from ninja import Path, Router, Schema, Status

from api.errors import Problem, codes_4xx, problem_response
from events import services
from events.signatures import MalformedError, SignatureError

router = Router(tags=["webhooks"])

ERROR_TOO_LARGE = "The body is larger than {limit} bytes."


class Received(Schema):
    id: int
    duplicate: bool


def _problem(status: int, detail: str, loc: list):
    return problem_response(status, detail, [{"loc": loc, "msg": detail, "type": "webhook"}])


@router.post(
    "/{slug}/",
    auth=None,
    throttle=[],
    response={200: Received, 202: Received, codes_4xx: Problem},
    summary="Receive a signed webhook (Stripe, GitHub or Standard Webhooks)",
)
def webhook_receive(request: HttpRequest, slug: str = Path(..., pattern=r"^[-a-zA-Z0-9_]{1,60}$")):
    limit = settings.EVENTS_WEBHOOK_MAX_BYTES
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return _problem(413, ERROR_TOO_LARGE.format(limit=limit), ["body"])
    body = request.body
    if len(body) > limit:
        return _problem(413, ERROR_TOO_LARGE.format(limit=limit), ["body"])
    try:
        event, created = services.webhook_receive(slug=slug, body=body, headers=request.headers)
    except services.EndpointNotFound as exc:
        return _problem(404, str(exc), ["path", "slug"])
    except SignatureError as exc:
        return _problem(401, str(exc), ["header"])
    except MalformedError as exc:
        return _problem(400, str(exc), ["body"])
    return Status(202 if created else 200, {"id": event.pk, "duplicate": not created})
