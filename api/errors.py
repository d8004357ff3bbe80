"""One error shape for every 4xx answer of the API, built here and nowhere else.

Every client error is `application/problem+json` (RFC 9457) with a `detail` sentence and an
`errors` list of `{loc, msg, type}`, where `loc` is the JSON path of the bad input
(`["body", "blocks", 3, "level"]`). Routers raise the apps' own exceptions (a webhook's
`SignatureError`, a batch's `EventsInvalid`, a service's `ValidationError` keyed by field);
the handlers registered by `problem_handlers_register` map each to its status and shape
once, so a view never builds an error response itself and bad input never reaches Django's
500 page. The API class that registers them is `api.problem_api.ProblemAPI`; the parser that
refuses bad input before a view runs is `api.parser.LimitedParser`.
"""

import json
import math

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from answers.services import QuestionInvalid
from config.errors import server_error_response
from content.exceptions import PageInvalid
from events.services.webhooks import EndpointNotFound
from events.signatures import MalformedError, SignatureError
from events.validation import EventsInvalid
from images.validation import ImageInvalid
from logins.limits import LoginLocked

PROBLEM_CONTENT_TYPE = "application/problem+json"

INVALID_INPUT = "The request is invalid: see `errors` for what and where."
NOT_FOUND = "Not found."
UNAUTHORIZED = "Authentication required: send `Authorization: Bearer <access token>` or `Api-Key <key>`."
FORBIDDEN = "You do not have permission to do this."
BODY_TOO_LARGE = "The request body is larger than {limit} bytes."
BODY_NOT_JSON = "The request body is not valid JSON: {error}"
BODY_NOT_OBJECT = "The request body must be a JSON object."
THROTTLED = "Too many requests: retry after {wait} seconds."
METHOD_NOT_ALLOWED = "Method {method} is not allowed here: use {allowed}."
EVENTS_INVALID = "{count} field(s) of the batch are invalid; nothing was stored."

# The client errors this API answers with, each documented per operation in OpenAPI.
# (ninja.responses.codes_4xx lacks 413 and lists codes no operation here can send.)
codes_4xx = frozenset({400, 401, 403, 404, 413, 422, 429})

__all__ = [
    "ApiPermissionDenied",
    "PROBLEM_CONTENT_TYPE",
    "PayloadTooLarge",
    "Problem",
    "ProblemError",
    "codes_4xx",
    "problem_response",
]


class ProblemError(Schema):
    loc: list[str | int]
    msg: str
    type: str = "invalid"


class Problem(Schema):
    """The body of every 4xx answer."""

    detail: str
    errors: list[ProblemError] = []


class ApiPermissionDenied(AuthorizationError):
    """Authenticated, but this user or key may not do this (403)."""

    def __init__(self, message: str = FORBIDDEN) -> None:
        super().__init__(status_code=403, message=message)


class PayloadTooLarge(HttpError):
    """A body over the limit of where it was sent (API_MAX_BODY_BYTES for JSON operations,
    EVENTS_WEBHOOK_MAX_BYTES for webhooks): 413, refused before it is read when it says its
    size (api.parser.body_read)."""

    def __init__(self, limit: int) -> None:
        message = BODY_TOO_LARGE.format(limit=limit)
        self.errors = [{"loc": ["body"], "msg": message, "type": "too_large"}]
        super().__init__(status_code=413, message=message)


class BodyInvalid(HttpError):
    def __init__(self, error: str) -> None:
        super().__init__(status_code=400, message=BODY_NOT_JSON.format(error=error))


class BodyNotObject(HttpError):
    """Every JSON body of this API is an object. ninja's Schema reads any other value by
    attribute (a list has no `title`), so `[]` sent to a PATCH would be an empty, valid
    change: refuse it here."""

    def __init__(self) -> None:
        super().__init__(status_code=422, message=BODY_NOT_OBJECT)


class InputRefused(HttpError):
    """Input the database could not store (NUL, lone surrogates) or JSON the API does not
    take (duplicate keys, NaN, deep nesting): a 422 naming each place (`loc`)."""

    def __init__(self, errors: list[dict]) -> None:
        self.errors = errors
        super().__init__(status_code=422, message=INVALID_INPUT)


def input_refused(source: str, problems) -> InputRefused:
    """The 422 for text the database cannot store, at each `(loc, msg)` of `problems`
    under `source` ("body", "query", "form", "path")."""
    return InputRefused([{"loc": [source, *loc], "msg": msg, "type": "value_error"} for loc, msg in problems])


def problem_response(status: int, detail: str, errors: list[dict] | None = None) -> HttpResponse:
    body = {"detail": detail, "errors": errors or []}
    return HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)


def method_not_allowed(request: HttpRequest, allowed: str) -> HttpResponse:
    """ninja's 405 for a method no operation takes, as a problem (it keeps its Allow header)."""
    response = problem_response(405, METHOD_NOT_ALLOWED.format(method=request.method, allowed=allowed))
    response["Allow"] = allowed
    return response


def unknown_path(request: HttpRequest, rest: str) -> HttpResponse:
    """Any path under the API that no operation matches: a problem, not Django's HTML 404."""
    return problem_response(404, NOT_FOUND)


def _loc(loc) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in loc]


def _ninja_validation(request, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {"loc": _loc(error.get("loc", ())), "msg": str(error.get("msg", "")), "type": str(error.get("type", "invalid"))}
        for error in exc.errors
    ]
    return problem_response(422, INVALID_INPUT, errors)


def _django_validation(request, exc: DjangoValidationError) -> HttpResponse:
    errors = []
    if hasattr(exc, "error_dict"):
        for field, field_errors in exc.error_dict.items():
            for error in field_errors:
                errors.append({"loc": ["body", field], "msg": _message(error), "type": error.code or "invalid"})
    else:
        for error in exc.error_list:
            errors.append({"loc": ["body"], "msg": _message(error), "type": error.code or "invalid"})
    detail = errors[0]["msg"] if len(errors) == 1 else INVALID_INPUT
    return problem_response(422, detail, errors)


def _message(error: DjangoValidationError) -> str:
    return str(error.message % error.params) if error.params else str(error.message)


def _page_invalid(request, exc) -> HttpResponse:
    errors = [
        {"loc": ["body", *_loc(error.get("loc", ()))], "msg": str(error.get("msg", "")), "type": "blocks"}
        for error in getattr(exc, "errors", [])
    ]
    return problem_response(422, INVALID_INPUT, errors)


def _image_invalid(request, exc: ImageInvalid) -> HttpResponse:
    """A refused upload or image edit: 413 over the size limit, else 422; `loc` names the
    multipart field (`["body", "file"]`)."""
    errors = [{"loc": ["body", *_loc(e["loc"])], "msg": e["msg"], "type": "image"} for e in exc.errors]
    return problem_response(exc.status, errors[0]["msg"] if len(errors) == 1 else INVALID_INPUT, errors)


def _authentication(request, exc: AuthenticationError) -> HttpResponse:
    message = str(exc) if str(exc) != "Unauthorized" else UNAUTHORIZED
    response = problem_response(401, message)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _forbidden(request, exc) -> HttpResponse:
    message = str(exc) if isinstance(exc, ApiPermissionDenied) and str(exc) else FORBIDDEN
    return problem_response(403, message)


def _not_found(request, exc) -> HttpResponse:
    return problem_response(404, NOT_FOUND)


def _throttled(request, exc: Throttled) -> HttpResponse:
    # ninja sets Retry-After on the response itself from the throttles' wait().
    wait = math.ceil(exc.wait) if exc.wait is not None else 1
    return problem_response(429, THROTTLED.format(wait=wait))


def _http_error(request, exc: HttpError) -> HttpResponse:
    # ninja wraps whatever the parser raises in HttpError(400, "Cannot parse request body"):
    # the parser's own error says more (413 for size, the JSON error for a broken body).
    cause = exc.__cause__
    if isinstance(cause, RequestDataTooBig):
        return _too_large(request, cause)
    if isinstance(cause, HttpError):
        exc = cause
    return problem_response(exc.status_code, str(exc), getattr(exc, "errors", None))


def _too_large(request, exc) -> HttpResponse:
    """Django refused to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE: the same 413."""
    return _http_error(request, PayloadTooLarge(settings.API_MAX_BODY_BYTES))


def _webhook_problem(status: int, loc: list):
    def handler(request, exc: Exception) -> HttpResponse:
        return problem_response(status, str(exc), [{"loc": loc, "msg": str(exc), "type": "webhook"}])

    return handler


def _events_invalid(request, exc: EventsInvalid) -> HttpResponse:
    errors = [{"loc": e.loc, "msg": e.msg, "type": "event"} for e in exc.errors]
    return problem_response(422, EVENTS_INVALID.format(count=len(errors)), errors)


def _login_locked(request, exc: LoginLocked) -> HttpResponse:
    response = problem_response(429, str(exc))
    response["Retry-After"] = str(exc.wait)
    return response


def _question_invalid(request, exc: QuestionInvalid) -> HttpResponse:
    return problem_response(422, str(exc), [{"loc": ["body", "question"], "msg": str(exc), "type": "value_error"}])


def _server_error(request, exc: Exception) -> HttpResponse:
    """Whatever no other handler claims: 503 while the database is unreachable, else a 500
    that says "internal error" and a request id (the traceback is logged with that id)."""
    return server_error_response(request, exc)


def problem_handlers_register(api: NinjaAPI) -> None:
    """Map every exception a client can cause to its 4xx answer (registered last wins)."""
    api.add_exception_handler(NinjaValidationError, _ninja_validation)
    api.add_exception_handler(DjangoValidationError, _django_validation)
    api.add_exception_handler(AuthenticationError, _authentication)
    api.add_exception_handler(AuthorizationError, _forbidden)
    api.add_exception_handler(PermissionDenied, _forbidden)
    api.add_exception_handler(Http404, _not_found)
    api.add_exception_handler(ObjectDoesNotExist, _not_found)
    api.add_exception_handler(Throttled, _throttled)
    api.add_exception_handler(HttpError, _http_error)
    api.add_exception_handler(RequestDataTooBig, _too_large)
    api.add_exception_handler(PageInvalid, _page_invalid)
    api.add_exception_handler(ImageInvalid, _image_invalid)
    api.add_exception_handler(LoginLocked, _login_locked)
    api.add_exception_handler(EndpointNotFound, _webhook_problem(404, ["path", "slug"]))
    api.add_exception_handler(SignatureError, _webhook_problem(401, ["header"]))
    api.add_exception_handler(MalformedError, _webhook_problem(400, ["body"]))
    api.add_exception_handler(EventsInvalid, _events_invalid)
    api.add_exception_handler(QuestionInvalid, _question_invalid)
    api.add_exception_handler(Exception, _server_error)  # looked up by the exception's MRO: the last resort
