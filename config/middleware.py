"""A URL holding NUL is a 400 before any view, form or query sees it.

PostgreSQL text cannot hold U+0000, and Django passes a decoded `%00` through to whatever
reads the URL: an admin list filter (`?status__exact=%00`), the site search (`?q=%00`), a
page slug. Each would be a DataError (a 500) deep inside code we do not own. Lone
surrogates cannot arrive this way (Django decodes URLs as UTF-8, replacing what is not),
and form fields already refuse NUL (Django's CharField). The API checks its own query and
path parameters (api.parser, api.problem_api), naming the parameter, so /api/ is left to it.
"""

from config.errors import API_PREFIX, bad_request

NUL_IN_URL = "The URL holds a NUL character (%00), which no page or parameter can take."


class UrlNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if ("%00" in request.META.get("QUERY_STRING", "") or "\x00" in request.path_info) and not (
            request.path_info.startswith(API_PREFIX)
        ):
            return bad_request(request, message=NUL_IN_URL)
        return self.get_response(request)
