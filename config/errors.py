"""What a failed request answers: never a traceback, never an HTML page under /api/.

- A dependency unreachable (PostgreSQL down or restarting, a lost connection, Redis where
  nothing falls back): 503 with `Retry-After`. A cached page needs no SQL and keeps being
  served. Django opens a new connection on the next request (CONN_HEALTH_CHECKS), so the
  product recovers by itself when the server is back: nothing to restart.
- Anything else: 500 saying "internal error" with a request id; the traceback is logged
  with the same id, so a user's report leads to it.
- Django's own 400, 403 and 404 (a path under /api/ no route matches, even `/api/`).

Under /api/ each is problem+json (api.errors' shape); elsewhere a short plain page that
needs neither the database nor a template. Both URLconfs name these as their handler400,
403, 404 and 500; the API's last-resort exception handler calls `server_error_response`.
"""

import logging
import re
import sys
import uuid

from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.http import HttpResponse
from django.utils.html import escape
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from config.outage import outage_log

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
# How long clients should wait before retrying during an outage: a restart of PostgreSQL
# or Redis takes seconds.
RETRY_AFTER_SECONDS = 5

INTERNAL_ERROR = "Internal error: the request failed on our side. Quote request id {request_id} when reporting it."
UNAVAILABLE = "Temporarily unavailable: a service this request needs is not answering. Retry in a few seconds."
BAD_REQUEST = "Bad request."
FORBIDDEN = "Forbidden."
NOT_FOUND = "Not found."

_UNAVAILABLE_ERRORS = {
    DatabaseOperationalError: "database",
    DatabaseInterfaceError: "database",
    RedisConnectionError: "redis",
    RedisTimeoutError: "redis",
}
# A proxy's request id is reused when it looks like one (no header injection, bounded).
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem">
<h1>{title}</h1><p>{message}</p></body></html>
"""


def _is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _answer(request, status: int, message: str) -> HttpResponse:
    if _is_api(request):
        from api.errors import problem_response  # api imports this module

        return problem_response(status, message)
    title = {400: "Bad request", 403: "Forbidden", 404: "Not found", 503: "Unavailable"}.get(status, "Error")
    return HttpResponse(_PAGE.format(title=title, message=escape(message)), status=status)


def request_id(request) -> str:
    """The proxy's X-Request-ID when it sent a plausible one, else a new one."""
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    return given if _REQUEST_ID.match(given) else uuid.uuid4().hex


def unavailable_dependency(exc: BaseException) -> str | None:
    """The server `exc` says cannot be reached ("database", "redis"), or None."""
    for error_class, dependency in _UNAVAILABLE_ERRORS.items():
        if isinstance(exc, error_class):
            return dependency
    return None


def server_error_response(request, exc: BaseException | None) -> HttpResponse:
    dependency = unavailable_dependency(exc) if exc is not None else None
    if dependency is not None:
        outage_log(dependency, f"{request.method} {request.path_info} answered 503", exc)
        response = _answer(request, 503, UNAVAILABLE)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    rid = request_id(request)
    logger.error("internal error, request id %s: %s %s", rid, request.method, request.path_info, exc_info=exc)
    response = _answer(request, 500, INTERNAL_ERROR.format(request_id=rid))
    response["X-Request-ID"] = rid
    return response


# --- Django's error handlers (handler400/403/404/500 in config/urls_*.py) ---------------


def bad_request(request, exception=None, message: str = BAD_REQUEST) -> HttpResponse:
    return _answer(request, 400, message)


def permission_denied(request, exception=None) -> HttpResponse:
    return _answer(request, 403, FORBIDDEN)


def page_not_found(request, exception=None, message: str = NOT_FOUND) -> HttpResponse:
    return _answer(request, 404, message)


def server_error(request) -> HttpResponse:
    # Django calls the 500 handler inside its `except` block: the exception is current.
    return server_error_response(request, sys.exception())
