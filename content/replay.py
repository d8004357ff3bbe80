"""Answers replayed in front of Django's request handler (issue 12).

A cache hit of CachedPageMiddleware is already one Redis GET and a copy in memory, and an
API-key read of a published page one Redis round trip (api.credentials); what was left of
their cost was Django itself: the WSGI request object, the host lookup, the middleware,
ninja, the response object and the request signals. This WSGI layer keeps, per process,
the exact answer Django gave (status, headers, body) and replays it for the same request
while it is still the answer Django would give. Django's code that produced the answer
marks it as replayable (`environ[ENVIRON_KEY]`) and names its *keeper*, which decides on
each replay whether the answer still stands (and counts it for analytics):

- pages (`replay_mark`, from CachedPageMiddleware): the tenant's page generation in Redis
  is still the one the answer was served at (the same single GET the middleware does: a
  publish, an unpublish or any invalidation is seen on the next request, as before);
- the published page by API key (api.replay): the key's state, its rate-limit counter,
  its last-used marker and the page's cached JSON in the round trip ApiKeyAuth makes.

Every kind is kept for the same request only:

- the same method (GET), Host, X-Forwarded-Host / -Proto, scheme, path and Authorization
  header (pages: the query string never changes a page's answer, as in the middleware;
  the API: a request with a query string is Django's);
- no session cookie and no conditional or range header (those go to Django, which
  answers 304s and staff);
- the host -> tenant entry of this process (tenants.routing) is the very entry the answer
  was served with: when it expires or changes (a rename, a deactivation, a domain moved),
  the request goes to Django again, which refreshes both.

Only 200s without Set-Cookie or Vary are kept. Anything else, Redis down included, is
Django's as before. The layer holds at most CONTENT_PAGE_LOCAL_ENTRIES answers (cleared
when full, like the page copies). `CONTENT_PAGE_REPLAY=0` turns it off.
"""

from django.conf import settings
from redis import RedisError

from analytics.counting import view_counted
from content.cache import generation_is, generation_key
from tenants.routing import hostname_local_entry

ENVIRON_KEY = "content.replay"
API_PREFIX = "/api/"
API_KEY_SCHEME = "api-key "  # api.auth.ApiKeyAuth's scheme, compared in lower case
# Requests whose answer may differ from a plain GET's: Django answers them.
_CONDITIONAL = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_RANGE",
)


class Answer:
    """A kept answer: what Django sent, the host entry it was served with, and what its
    keeper needs to decide whether it still stands (`data`, filled by the mark)."""

    __slots__ = ("status", "headers", "body", "hostname", "host_entry", "keeper", "data")

    def __init__(self, status, headers, body, *, hostname, host_entry, keeper, data):
        self.status = status
        self.headers = headers
        self.body = body
        self.hostname = hostname
        self.host_entry = host_entry
        self.keeper = keeper
        self.data = data


class PageKeeper:
    """Cached pages: replayed while the tenant's page generation is unchanged."""

    @staticmethod
    def replay(answer: Answer, environ) -> bool:
        """Whether `answer` still stands for this request; counts the view if it does."""
        data = answer.data
        try:
            if not generation_is(data["generation_key"], data["generation"]):
                return False
        except RedisError:
            return False  # Django answers, and logs the outage
        view_counted(
            slug=data["slug"],
            user_agent=environ.get("HTTP_USER_AGENT", ""),
            referrer=environ.get("HTTP_REFERER", ""),
            client_ip=environ.get("REMOTE_ADDR", ""),
            host=environ.get("HTTP_HOST", ""),
            schema=data["schema"],
        )
        return True


def replay_mark_as(request, keeper, **data) -> bool:
    """Mark the answer Django is giving to `request` as replayable by `keeper` (with what
    its `replay(answer, environ)` needs); False when the layer is not in front (tests'
    client, a request it does not keep)."""
    mark = request.META.get(ENVIRON_KEY)
    if mark is None:
        return False
    mark.update(keeper=keeper, hostname=request.get_host().partition(":")[0].lower(), data=data)
    return True


def replay_mark(request, *, generation: bytes, slug: str) -> None:
    """Called by CachedPageMiddleware when it answers a cache hit: the answer may be kept."""
    if generation:
        replay_mark_as(
            request,
            PageKeeper,
            generation_key=generation_key(),
            generation=generation,
            schema=request.tenant.schema_name,  # whose view it is, for analytics
            slug=slug,
        )


def _request_key(environ) -> tuple | None:
    if environ.get("REQUEST_METHOD") != "GET":
        return None
    path = environ.get("PATH_INFO", "")
    authorization = environ.get("HTTP_AUTHORIZATION")
    if path.startswith(API_PREFIX):
        # API calls by key only (a JWT is never replayed), and without a query string.
        if environ.get("QUERY_STRING") or not (authorization or "")[:8].lower() == API_KEY_SCHEME:
            return None
    elif not path.endswith("/"):
        return None
    for name in _CONDITIONAL:
        if name in environ:
            return None
    if settings.SESSION_COOKIE_NAME in environ.get("HTTP_COOKIE", ""):
        return None
    return (*request_origin(environ), authorization)


def request_origin(environ) -> tuple:
    """What makes two requests "the same" to a layer in front of Django, besides its own
    rules: the path and everything Django builds the host and scheme from."""
    return (
        environ.get("PATH_INFO", ""),
        environ.get("HTTP_HOST"),
        environ.get("HTTP_X_FORWARDED_HOST"),
        environ.get("HTTP_X_FORWARDED_PROTO"),
        environ.get("wsgi.url_scheme"),
    )


def django_answer_taken(app, environ, start_response, *, mark: dict, status: str):
    """Let Django (`app`) answer; when its code marked the answer (`mark` filled) and it is
    a `status` answer ("200") that holds nothing personal (no Set-Cookie, no Vary), read it
    whole: ((status line, headers, body), [body]). Otherwise (None, Django's iterable, left
    to stream). The second item is what goes to the server either way. Shared by the layers
    in front of Django (this one, events.keeper)."""
    captured = []

    def capture(status_line, headers, exc_info=None):
        captured[:] = [status_line, headers]
        return start_response(status_line, headers, exc_info) if exc_info else start_response(status_line, headers)

    result = app(environ, capture)
    if not mark or not captured or not captured[0].startswith(status):
        return None, result
    if any(name.lower() in ("set-cookie", "vary") for name, _ in captured[1]):
        return None, result
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return (captured[0], list(captured[1]), body), [body]


class Replay:
    """WSGI middleware: `application = Replay(get_wsgi_application())`."""

    def __init__(self, app):
        self.app = app
        self.answers: dict[tuple, Answer] = {}

    def __call__(self, environ, start_response):
        key = _request_key(environ) if settings.CONTENT_PAGE_REPLAY else None
        if key is None:
            return self.app(environ, start_response)
        answer = self.answers.get(key)
        if (
            answer is not None
            and hostname_local_entry(answer.hostname) is answer.host_entry
            and answer.keeper.replay(answer, environ)
        ):
            start_response(answer.status, answer.headers)
            return [answer.body]
        mark = environ[ENVIRON_KEY] = {}
        taken, result = django_answer_taken(self.app, environ, start_response, mark=mark, status="200")
        if taken is not None:
            host_entry = hostname_local_entry(mark["hostname"])
            if host_entry is not None:
                self._keep(key, Answer(*taken, host_entry=host_entry, **mark))
        return result

    def _keep(self, key, answer: Answer) -> None:
        limit = settings.CONTENT_PAGE_LOCAL_ENTRIES
        if limit <= 0:
            return
        if len(self.answers) >= limit and key not in self.answers:
            self.answers.clear()
        self.answers[key] = answer
