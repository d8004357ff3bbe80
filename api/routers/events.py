"""POST /api/events: conversion events for the tenant's Meta pixel.

The body is Meta's server-event shape (`{"data": [event, ...]}`); the events are
validated, normalised and hashed before they are stored, then relayed by a task.
Callers: a JWT user with the `events.add_conversionevent` permission, or an API key
with the `events:write` scope.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, JsonResponse
from ninja import Router, Schema, Status

from api.auth import ApiKeyAuth, JWTAuth
from api.errors import ApiPermissionDenied
from events import services
from events.validation import EventsInvalid, events_clean

router = Router(tags=["events"])

PERMISSION = "events.add_conversionevent"
ERROR_PERMISSION = "Sending conversion events needs the permission events.add_conversionevent."
ERROR_INVALID = "{count} field(s) of the batch are invalid; nothing was stored."


class EventsIn(Schema):
    data: list


class EventsOut(Schema):
    events_received: int
    duplicates: int
    ids: list[int]


@router.post("", auth=[JWTAuth(), ApiKeyAuth("events:write")], response={202: EventsOut})
def events_send(request: HttpRequest, payload: EventsIn):
    if isinstance(request.auth, AbstractBaseUser) and not request.auth.has_perm(PERMISSION):
        raise ApiPermissionDenied(ERROR_PERMISSION)
    try:
        clean = events_clean(data=payload.data, max_batch=settings.EVENTS_BATCH_SIZE)
    except EventsInvalid as exc:
        return JsonResponse(
            {
                "detail": ERROR_INVALID.format(count=len(exc.errors)),
                "errors": [{"loc": e.loc, "msg": e.msg} for e in exc.errors],
            },
            status=422,
            content_type="application/problem+json",
        )
    created, duplicates = services.conversion_events_create(events=clean)
    return Status(202, {"events_received": len(created), "duplicates": len(duplicates), "ids": [e.pk for e in created]})
