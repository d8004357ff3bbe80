"""Cached pages answered in front of Django's request handler (issue 12).

A cache hit of CachedPageMiddleware is already one Redis GET and a copy in memory; what
was left of its cost was Django itself: the WSGI request object, the host lookup, the
security and page middleware, the response object and the request signals. This WSGI
layer keeps, per process, the exact answer Django gave to a cache hit (status, headers,
body) and replays it for the same request while it is still the answer Django would give:

- the same method (GET), Host, X-Forwarded-Host / -Proto, scheme and path (the query
  string never changes a page's answer, as in the middleware);
- no session cookie and no conditional or range header (those go to Django, which
  answers 304s and staff);
- the tenant's page generation in Redis is still the one the answer was served at (the
  same single GET the middleware does: a publish, an unpublish or any invalidation is
  seen on the next request, as before);
- the host -> tenant entry of this process (tenants.routing) is the very entry the answer
  was served with: when it expires or changes (a rename, a deactivation, a domain moved),
  the request goes to Django again, which refreshes both.

Only answers CachedPageMiddleware marked as cache hits are kept, and only 200s without
Set-Cookie or Vary. Anything else, Redis down included, is Django's as before. The layer
holds at most CONTENT_PAGE_LOCAL_ENTRIES answers (cleared when full, like the page copies).
`CONTENT_PAGE_REPLAY=0` turns it off.
"""

from django.conf import settings
from redis import RedisError

from analytics.counting import view_counted
from content.cache import generation_is, generation_key
from tenants.routing import hostname_local_entry

ENVIRON_KEY = "content.replay"
# Requests whose answer may differ from a plain GET's: Django answers them.
_CONDITIONAL = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_RANGE",
)


class _Answer:
    __slots__ = (
        "status",
        "headers",
        "body",
        "generation_key",
        "generation",
        "hostname",
        "host_entry",
        "schema",
        "slug",
    )

    def __init__(self, status, headers, body, generation_key, generation, hostname, host_entry, schema, slug):
        self.status = status
        self.headers = headers
        self.body = body
        self.generation_key = generation_key
        self.generation = generation
        self.hostname = hostname
        self.host_entry = host_entry
        self.schema = schema  # whose view it is, for analytics
        self.slug = slug


def replay_mark(request, *, generation: bytes, slug: str) -> None:
    """Called by CachedPageMiddleware when it answers a cache hit: the answer may be kept."""
    mark = request.META.get(ENVIRON_KEY)
    if mark is not None and generation:
        hostname = request.get_host().partition(":")[0].lower()
        mark.update(generation_key=generation_key(), generation=generation, hostname=hostname)
        mark.update(schema=request.tenant.schema_name, slug=slug)


def _request_key(environ) -> tuple | None:
    if environ.get("REQUEST_METHOD") != "GET":
        return None
    path = environ.get("PATH_INFO", "")
    if not path.endswith("/"):
        return None
    for name in _CONDITIONAL:
        if name in environ:
            return None
    if settings.SESSION_COOKIE_NAME in environ.get("HTTP_COOKIE", ""):
        return None
    return (
        path,
        environ.get("HTTP_HOST"),
        environ.get("HTTP_X_FORWARDED_HOST"),
        environ.get("HTTP_X_FORWARDED_PROTO"),
        environ.get("wsgi.url_scheme"),
    )


class PageReplay:
    """WSGI middleware: `application = PageReplay(get_wsgi_application())`."""

    def __init__(self, app):
        self.app = app
        self.answers: dict[tuple, _Answer] = {}

    def __call__(self, environ, start_response):
        key = _request_key(environ) if settings.CONTENT_PAGE_REPLAY else None
        if key is None:
            return self.app(environ, start_response)
        answer = self.answers.get(key)
        if answer is not None and self._current(answer):
            view_counted(
                slug=answer.slug,
                user_agent=environ.get("HTTP_USER_AGENT", ""),
                referrer=environ.get("HTTP_REFERER", ""),
                client_ip=environ.get("REMOTE_ADDR", ""),
                host=environ.get("HTTP_HOST", ""),
                schema=answer.schema,
            )
            start_response(answer.status, answer.headers)
            return [answer.body]
        mark = environ[ENVIRON_KEY] = {}
        captured = []

        def capture(status, headers, exc_info=None):
            captured[:] = [status, headers]
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        result = self.app(environ, capture)
        if not mark or not captured or not captured[0].startswith("200"):
            return result
        headers = captured[1]
        if any(name.lower() in ("set-cookie", "vary") for name, _ in headers):
            return result
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        host_entry = hostname_local_entry(mark["hostname"])
        if host_entry is not None:
            self._keep(key, _Answer(captured[0], list(headers), body, host_entry=host_entry, **mark))
        return [body]

    def _keep(self, key, answer: _Answer) -> None:
        limit = settings.CONTENT_PAGE_LOCAL_ENTRIES
        if limit <= 0:
            return
        if len(self.answers) >= limit and key not in self.answers:
            self.answers.clear()
        self.answers[key] = answer

    @staticmethod
    def _current(answer: _Answer) -> bool:
        if hostname_local_entry(answer.hostname) is not answer.host_entry:
            return False
        try:
            return generation_is(answer.generation_key, answer.generation)
        except RedisError:
            return False  # Django answers, and logs the outage
