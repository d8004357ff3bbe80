"""POST /api/events: conversion events for the tenant's Meta pixel.

The body is Meta's server-event shape (`{"data": [event, ...]}`); the events are
validated, normalised and hashed before they are stored, then relayed by a task.
Callers: a JWT user with the `events.add_conversionevent` permission, or an API key
with the `events:write` scope.
"""

import logging

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.throttling import BaseThrottle
from redis import RedisError

from api.auth import ApiKeyAuth, JWTAuth
from api.errors import ApiPermissionDenied, Problem, codes_4xx, problem_response
from api.throttles import throttles
from events import services
from events.validation import EventsInvalid, events_clean

logger = logging.getLogger(__name__)
router = Router(tags=["events"])

PERMISSION = "events.add_conversionevent"
ERROR_PERMISSION = "Sending conversion events needs the permission events.add_conversionevent."
ERROR_INVALID = "{count} field(s) of the batch are invalid; nothing was stored."


class FailOpen(BaseThrottle):
    """A throttle that lets the call through when Redis (its counter) is down: an
    accepted event is worth more than an exact rate limit during an outage."""

    def __init__(self, throttle):
        self.throttle = throttle

    def allow_request(self, request) -> bool:
        try:
            return self.throttle.allow_request(request)
        except (RedisError, OSError):
            logger.warning("throttle counter unavailable; request let through")
            return True

    def wait(self):
        return self.throttle.wait()


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
    try:
        clean = events_clean(data=payload.data, max_batch=settings.EVENTS_BATCH_SIZE)
    except EventsInvalid as exc:
        errors = [{"loc": e.loc, "msg": e.msg, "type": "event"} for e in exc.errors]
        return problem_response(422, ERROR_INVALID.format(count=len(errors)), errors)
    created, duplicates = services.conversion_events_create(events=clean)
    return Status(202, {"events_received": len(created), "duplicates": len(duplicates), "ids": [e.pk for e in created]})
