"""One error shape for every 4xx answer of the API, built here and nowhere else.

Every client error is `application/problem+json` (RFC 9457) with a `detail` sentence and an
`errors` list of `{loc, msg, type}`, where `loc` is the JSON path of the bad input
(`["body", "blocks", 3, "level"]`). Routers raise; the handlers registered by
`problem_handlers_register` turn exceptions into that shape, so a view never builds an error
response itself and bad input never reaches Django's 500 page.
"""

import functools
import json
import math

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from answers.services import QuestionInvalid
from api.renderers import OrjsonRenderer
from config.errors import server_error_response
from config.json_input import JsonInvalid, JsonRefused, json_loads, text_problem
from content.blocks import BlocksInvalid
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

# The client errors this API answers with, each documented per operation in OpenAPI.
# (ninja.responses.codes_4xx lacks 413 and lists codes no operation here can send.)
codes_4xx = frozenset({400, 401, 403, 404, 413, 422, 429})

__all__ = [
    "ApiPermissionDenied",
    "PROBLEM_CONTENT_TYPE",
    "PayloadTooLarge",
    "Problem",
    "ProblemError",
    "ProblemAPI",
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
    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, message=BODY_TOO_LARGE.format(limit=limit))


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


def _refused(source: str, problems) -> InputRefused:
    return InputRefused([{"loc": [source, *loc], "msg": msg, "type": "value_error"} for loc, msg in problems])


def problem_response(status: int, detail: str, errors: list[dict] | None = None) -> HttpResponse:
    body = {"detail": detail, "errors": errors or []}
    return HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)


class LimitedParser(Parser):
    """ninja's parser, the one place where client input enters the API.

    The body: its size is checked before it is read (the declared Content-Length first, so
    nothing is read; a body without one after reading, and Django's own
    DATA_UPLOAD_MAX_MEMORY_SIZE still bounds that), then it is parsed by
    `config.json_input.json_loads`: broken JSON is a 400, JSON holding NUL, lone surrogates,
    NaN, duplicate keys or nesting beyond 64 levels a 422 with each place's JSON path
    (`["body", "title"]`). Query strings get the same text check (`["query", "q"]`), and
    path parameters too, in `_api_view` (`["path", "slug"]`).
    """

    def parse_body(self, request: HttpRequest):
        limit = settings.API_MAX_BODY_BYTES
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            raise PayloadTooLarge(limit)
        body = request.body
        if len(body) > limit:
            raise PayloadTooLarge(limit)
        try:
            data = json_loads(body)
        except JsonInvalid as exc:
            raise BodyInvalid(str(exc)) from exc
        except JsonRefused as exc:
            raise _refused("body", exc.problems) from exc
        if not isinstance(data, dict):
            raise BodyNotObject()
        return data

    def parse_querydict(self, data, list_fields, request: HttpRequest):
        problems = [
            ([key], problem)
            for key in data
            for value in (key, *data.getlist(key))
            if isinstance(value, str) and (problem := text_problem(value))
        ]
        if problems:
            raise _refused("query" if data is request.GET else "form", problems)
        return super().parse_querydict(data, list_fields, request)


def _api_view(view):
    """Wraps each operation's view: a path parameter is text too (`/api/pages/a%00b` is a
    422, not a query with a NUL in it), and ninja's 405 for a method no operation takes is
    a problem like every other answer (it keeps its Allow header)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        problems = [([name], problem) for name, value in kwargs.items() if (problem := text_problem(str(value)))]
        if problems:
            return _http_error(request, _refused("path", problems))
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = problem_response(405, METHOD_NOT_ALLOWED.format(method=request.method, allowed=allowed))
            response["Allow"] = allowed
        return response

    return wrapped


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


def _blocks_invalid(request, exc) -> HttpResponse:
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
    return problem_response(413, BODY_TOO_LARGE.format(limit=settings.API_MAX_BODY_BYTES))


def _unknown_path(request: HttpRequest, rest: str) -> HttpResponse:
    return problem_response(404, NOT_FOUND)


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
    api.add_exception_handler(BlocksInvalid, _blocks_invalid)
    api.add_exception_handler(ImageInvalid, _image_invalid)
    api.add_exception_handler(LoginLocked, _login_locked)
    api.add_exception_handler(QuestionInvalid, _question_invalid)
    api.add_exception_handler(Exception, _server_error)  # looked up by the exception's MRO: the last resort


class ProblemAPI(NinjaAPI):
    """A NinjaAPI whose errors are problem+json, and whose OpenAPI document says so.

    Successes are rendered by orjson (api.renderers).

    ninja documents every response under the renderer's media type (application/json); the
    4xx answers are problem+json, so the document is corrected here to match what is sent
    (schemathesis checks the content type of every response against it).
    """

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("parser", LimitedParser())
        kwargs.setdefault("renderer", OrjsonRenderer())
        super().__init__(*args, **kwargs)
        problem_handlers_register(self)

    def _get_urls(self):
        """Every operation's view wrapped by `_api_view`, and a
        last route answering a problem+json 404 for any path under the API that no operation
        matches, instead of Django's HTML page (clients parse one shape)."""
        from django.urls import re_path
        from django.views.decorators.csrf import csrf_exempt

        urls = super()._get_urls()
        for pattern in urls:
            pattern.callback = _api_view(pattern.callback)
        # [\s\S]: any character, newlines too (a `path` converter's `.+` stops at them).
        return [*urls, re_path(r"^(?P<rest>[\s\S]+)$", csrf_exempt(_unknown_path))]

    def validation_error_from_error_contexts(self, error_contexts):
        """ninja puts the parameter's name into the loc of a single body schema
        (`["body", "payload", "title"]`); clients see the body as sent: `["body", "title"]`."""
        error = super().validation_error_from_error_contexts(error_contexts)
        names = {getattr(context.model, "__read_from_single_attr__", None) for context in error_contexts} - {None}
        for item in error.errors:
            loc = tuple(item.get("loc", ()))
            if len(loc) >= 2 and loc[0] == "body" and loc[1] in names:
                item["loc"] = (loc[0], *loc[2:])
        return error

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                for status, response in operation.get("responses", {}).items():
                    if str(status).startswith("4") and "content" in response:
                        response["content"] = {PROBLEM_CONTENT_TYPE: next(iter(response["content"].values()))}
        return schema
