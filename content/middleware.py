"""Anonymous visitors' pages, answered before the session, CSRF, auth and messages middleware.

A visitor without a session cookie is anonymous, so the page is the same answer the page
view would give; answering here skips sessions, CSRF, auth, messages, CommonMiddleware and
(on a cache hit) URL routing, which were most of a page's cost in process.

- A cache hit (content.cache: one Redis round trip, often served from this process's copy)
  is answered at once. Only slugs the page view itself cached can hit, so URL routes listed
  before the catch-all keep winning.
- On a miss, or with the cache off, a path that URL routing gives to the page view is
  rendered here from its row (one query; content.responses.visitor_page_response).
- Everything else falls through to the view: a request with a session cookie (possibly
  staff, who bypass the cache), an unknown or unpublished slug (the tenant's 404 page),
  any method but GET/HEAD, a path the page view would redirect, and the public host.

The middleware sits after SecurityMiddleware and XFrameOptionsMiddleware (their headers are
on these responses too) and before WhiteNoise and the media middleware, which never serve
a path ending in "/".
"""

from django.conf import settings
from django.urls import Resolver404, resolve
from django_tenants.utils import get_public_schema_name

from analytics.counting import request_view_counted
from content.models import SLUG_RE
from content.replay import replay_mark
from content.responses import cached_page_response, is_anonymous, visitor_page_response

# The catch-all page view's URL name (content/urls.py).
PAGE_VIEW = "content-page"


class CachedPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.public = get_public_schema_name()

    def __call__(self, request):
        path = request.path_info
        if (
            request.method in ("GET", "HEAD")
            and path.endswith("/")
            and is_anonymous(request)
            and request.tenant.schema_name != self.public
        ):
            slug = path.strip("/")
            if SLUG_RE.match(slug):
                response = cached_page_response(request, slug) if settings.CONTENT_PAGE_CACHE else None
                if response is not None:
                    replay_mark(request, generation=request.page_cache_generation, slug=slug)
                elif self._routed_to_page_view(request, path):
                    response = visitor_page_response(request, slug)
                    request.page_not_published = response is None  # the view answers 404 at once
                if response is not None:
                    request_view_counted(request, slug)
                    return response
        return self.get_response(request)

    @staticmethod
    def _routed_to_page_view(request, path: str) -> bool:
        try:
            match = resolve(path, getattr(request, "urlconf", None))
        except Resolver404:
            return False
        return match.url_name == PAGE_VIEW
