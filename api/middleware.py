"""API calls answered before the session, CSRF, auth, messages and common middleware.

Those layers do nothing for an API call: a session cookie never elevates it (JWTAuth and
ApiKeyAuth set `request.user` themselves), ninja's operations are CSRF-exempt (no cookie
authentication), the API sends no messages, and unknown paths under `/api/` are its own
problem+json 404 (no APPEND_SLASH redirect). Skipping them is ~10 % of an authenticated
read's Python time. The middleware sits after SecurityMiddleware and
XFrameOptionsMiddleware, so their headers are on these responses too; it resolves and
calls the view as Django's handler would (`BaseHandler.resolve_request`), and sets the
`Content-Length` CommonMiddleware would have set.
"""

from django.contrib.auth.models import AnonymousUser
from django.urls import Resolver404, get_resolver, set_urlconf

from analytics.counting import api_call_counted
from api.models import ApiKey

API_PREFIX = "/api/"


class ApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        urlconf = getattr(request, "urlconf", None)
        if urlconf is not None:
            set_urlconf(urlconf)
        try:
            match = get_resolver(urlconf).resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        request.resolver_match = match
        request.user = AnonymousUser()  # until the operation's authentication says who calls
        response = match.func(request, *match.args, **match.kwargs)
        if isinstance(getattr(request, "auth", None), ApiKey):  # API calls by key (analytics)
            api_call_counted(key_prefix=request.auth.prefix)
        if not response.streaming and not response.has_header("Content-Length"):
            response.headers["Content-Length"] = str(len(response.content))
        return response
