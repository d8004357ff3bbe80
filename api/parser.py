"""Where client input enters the API: the body (size, then JSON), query strings and form
fields. Bad input is refused here, before a view runs, with the exceptions of api.errors.
"""

from django.conf import settings
from django.http import HttpRequest
from ninja.parser import Parser

from api.errors import BodyInvalid, BodyNotObject, PayloadTooLarge, input_refused
from config.json_input import JsonInvalid, JsonRefused, json_loads, text_problem


def content_length(request: HttpRequest) -> int:
    """The size the client declares (0 when it declares none or nonsense): checked before
    a body is read, so an announced large body is refused unread."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def body_read(request: HttpRequest, *, limit: int) -> bytes:
    """The raw body, refused (PayloadTooLarge, a 413) past `limit` bytes: the declared
    Content-Length is checked first; a body without one is checked after reading (Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE still bounds that read)."""
    if content_length(request) > limit:
        raise PayloadTooLarge(limit)
    body = request.body
    if len(body) > limit:
        raise PayloadTooLarge(limit)
    return body


class LimitedParser(Parser):
    """ninja's parser, the one place where client input enters the API.

    The body: its size is checked before it is read (`body_read`, API_MAX_BODY_BYTES), then
    it is parsed by `config.json_input.json_loads`: broken JSON is a 400, JSON holding NUL,
    lone surrogates, NaN, duplicate keys or nesting beyond 64 levels a 422 with each place's
    JSON path (`["body", "title"]`). Query strings get the same text check (`["query", "q"]`),
    and path parameters too (api.problem_api, `["path", "slug"]`).
    """

    def parse_body(self, request: HttpRequest):
        body = body_read(request, limit=settings.API_MAX_BODY_BYTES)
        try:
            data = json_loads(body)
        except JsonInvalid as exc:
            raise BodyInvalid(str(exc)) from exc
        except JsonRefused as exc:
            raise input_refused("body", exc.problems) from exc
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
            raise input_refused("query" if data is request.GET else "form", problems)
        return super().parse_querydict(data, list_fields, request)
