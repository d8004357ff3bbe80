"""Cached pages for anonymous visitors, answered before the session and auth middleware.

A visitor without a session cookie is anonymous, so a cached page is the same answer the
page view would give; answering here skips sessions, CSRF, auth and messages, which are
most of a cached page's cost in process. Everything else falls through to the view: a
request with a session cookie (possibly staff, who bypass the cache), a miss, any method
but GET/HEAD, a path the page view would redirect, and the public host. Only slugs the
page view itself cached can hit, so URL routes listed before the catch-all keep winning.
The middleware sits after SecurityMiddleware and XFrameOptionsMiddleware: their headers
are on these responses too.
"""

from django.conf import settings
from django_tenants.utils import get_public_schema_name

from content.models import SLUG_RE
from content.views import cached_page_response


class CachedPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.public = get_public_schema_name()

    def __call__(self, request):
        if (
            request.method in ("GET", "HEAD")
            and settings.CONTENT_PAGE_CACHE
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and request.tenant.schema_name != self.public
            and request.path_info.endswith("/")
        ):
            slug = request.path_info.strip("/")
            if SLUG_RE.match(slug):
                response = cached_page_response(request, slug)
                if response is not None:
                    return response
                request.page_cache_missed = True  # the view need not ask Redis again
        return self.get_response(request)
