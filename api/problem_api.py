"""The API class: a NinjaAPI whose every error is problem+json (api.errors), whose input
goes through api.parser, and whose successes are rendered by orjson (api.renderers).
"""

import functools

from django.http import HttpResponseNotAllowed
from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI

from api.errors import PROBLEM_CONTENT_TYPE, input_refused, method_not_allowed, problem_handlers_register, unknown_path
from api.parser import LimitedParser
from api.renderers import OrjsonRenderer
from config.json_input import text_problem


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
        """Every operation's view wrapped by `_view_wrap`, and a last route answering a
        problem+json 404 for any path under the API that no operation matches, instead of
        Django's HTML page (clients parse one shape)."""
        urls = super()._get_urls()
        for pattern in urls:
            pattern.callback = self._view_wrap(pattern.callback)
        # [\s\S]: any character, newlines too (a `path` converter's `.+` stops at them).
        return [*urls, re_path(r"^(?P<rest>[\s\S]+)$", csrf_exempt(unknown_path))]

    def _view_wrap(self, view):
        """A path parameter is text too (`/api/pages/a%00b` is a 422, not a query with a NUL
        in it), and ninja's 405 for a method no operation takes is a problem like every
        other answer. Both are answered through the error handlers (`on_exception`)."""

        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            problems = [([name], problem) for name, value in kwargs.items() if (problem := text_problem(str(value)))]
            if problems:
                return self.on_exception(request, input_refused("path", problems))
            response = view(request, *args, **kwargs)
            if isinstance(response, HttpResponseNotAllowed):
                return method_not_allowed(request, response["Allow"])
            return response

        return wrapped

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
