"""POST /api/events: conversion events for the tenant's Meta pixel.

The body is Meta's server-event shape (`{"data": [event, ...]}`); the events are
validated, normalised and hashed before they are stored, then relayed by a task.
Callers: a JWT user with the `events.add_conversionevent` permission, or an API key
with the `events:write` scope.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from ninja import Router, Schema, Status

from api.auth import ApiKeyAuth, JWTAuth
from api.errors import ApiPermissionDenied, Problem, codes_4xx
from api.throttles import FailOpen, throttles
from events import services
from events.validation import events_clean

router = Router(tags=["events"])

PERMISSION = "events.add_conversionevent"
ERROR_PERMISSION = "Sending conversion events needs the permission events.add_conversionevent."


class EventsIn(Schema):
    data: list


class EventsOut(Schema):
    events_received: int
    duplicates: int
    ids: list[int]


@router.post(
    "",
    auth=[JWTAuth(), ApiKeyAuth("events:write")],
    throttle=[FailOpen(t) for t in throttles()],
    response={202: EventsOut, codes_4xx: Problem},
    summary="Send conversion events (Meta server-event shape) to the site's pixel",
)
def events_send(request: HttpRequest, payload: EventsIn):
    if isinstance(request.auth, AbstractBaseUser) and not request.auth.has_perm(PERMISSION):
        raise ApiPermissionDenied(ERROR_PERMISSION)
    clean = events_clean(data=payload.data, max_batch=settings.EVENTS_BATCH_SIZE)  # EventsInvalid: a 422
    created, duplicates = services.conversion_events_create(events=clean)
    return Status(202, {"events_received": len(created), "duplicates": len(duplicates), "ids": [e.pk for e in created]})
