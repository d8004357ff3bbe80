"""POST /api/webhooks/<slug>/: inbound webhooks, verified by signature (no auth).

The raw bytes are read before anything parses them: a signature covers exactly the
bytes the provider sent. The answer comes as soon as the row is stored; processing
happens in a task.
"""

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from ninja import Router, Status

from events import services
from events.signatures import MalformedError, SignatureError

router = Router(tags=["webhooks"])

ERROR_TOO_LARGE = "The body is larger than {limit} bytes."


def _problem(status: int, detail: str, loc: list) -> JsonResponse:
    return JsonResponse(
        {"detail": detail, "errors": [{"loc": loc, "msg": detail}]},
        status=status,
        content_type="application/problem+json",
    )


@router.post("/{slug}/", auth=None, include_in_schema=True, response={200: dict, 202: dict})
def webhook_receive(request: HttpRequest, slug: str):
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
    status = 202 if created else 200
    return Status(status, {"id": event.pk, "duplicate": not created})
