"""Webhook deliveries stored in front of Django's request handler (issue 12).

`POST /api/webhooks/<slug>/` is one HMAC and one INSERT (events.services.webhooks); what was
left of its cost was Django around them: the WSGI request, the host lookup, the middleware,
ninja and its response validation (0.84 ms of web CPU per delivery against 0.19 ms in
PostgreSQL, docs/benchmarks.md). This WSGI layer stores the happy path itself, with the
service's own code (`webhook_store_new`: the endpoint copy of this process, the verifier,
the prepared INSERT, the sender thread), and answers what Django answers, byte for byte.

It does so only for a request whose *answer shape* it has seen Django give: Django's view
marks a stored delivery's 202 (`webhook_keeper_mark`), and this layer keeps its status
line and headers, with the host -> tenant entry of this process (tenants.routing) it was
served with, for the same request key: path (hence the slug), Host, X-Forwarded-Host /
-Proto and scheme, as content.replay keys its answers. The body is rendered by the
function the view named, checked at that moment against the bytes Django sent (a
renderer that would write other bytes is never used). While that entry stands (it is
dropped when it expires, DOMAIN_LOCAL_CACHE_SECONDS, or when the host, its domain or its
tenant changes), a request with the same key is stored here if:

- it declares a Content-Length within EVENTS_WEBHOOK_MAX_BYTES (and Django's
  DATA_UPLOAD_MAX_MEMORY_SIZE) and sends that many bytes, with no query string;
- this process knows an active endpoint of that slug in that tenant (events.selectors);
- the signature verifies with one of its secrets, the body is usable, and the INSERT
  stores a new row: the statement stores only while the endpoint row still holds the
  scheme and secrets that verified it, so a secret removed, an endpoint deactivated or
  deleted by any process is seen by the very next delivery (nothing here to invalidate).

Everything else goes to Django, with the body it was sent, and Django stays the only place
where errors are answered: a bad or missing signature (401), an unknown or inactive
endpoint (404), an oversized (413) or unusable (400) body, a duplicate delivery (200),
a stale copy of the endpoint, and any exception. Nothing is written on those paths before
Django's turn. An exception after the INSERT (the sender's hand-off) leaves the stored row
to Django, which answers it as the duplicate it now is; the outbox sweeper sends its task.
A stored delivery here sends Django's `request_started` / `request_finished` signals as
Django's handler does (the database connection's health and age checks).

`EVENTS_WEBHOOK_KEEPER=0` turns the layer off.
"""

import io
import logging
import re
from collections.abc import Callable, Mapping

from django.conf import settings
from django.core import signals
from django.db import connection
from django.http.request import HttpHeaders

from content.replay import django_answer_taken, request_origin
from events.models import WEBHOOK_SLUG_MAX_LENGTH
from events.selectors import webhook_endpoint_get
from events.services import webhook_store_new
from tenants.routing import hostname_local_entry

logger = logging.getLogger(__name__)

ENVIRON_KEY = "events.keeper"
# Set to the stored row's id on a request the keeper answered itself (Django never saw it).
STORED_KEY = "events.keeper.stored"
# The router's path (api.routers.webhooks) with the slug's pattern (events.models).
_PATH = re.compile(rf"/api/webhooks/([-a-zA-Z0-9_]{{1,{WEBHOOK_SLUG_MAX_LENGTH}}})/")
# Bounds the shapes kept against a flood of made-up hosts and slugs (cleared when full).
SHAPES_MAX = 1024


class Shape:
    """What Django answered a stored delivery with, for one request key."""

    __slots__ = ("status", "headers", "length_at", "render", "hostname", "host_entry", "tenant")

    def __init__(self, status, headers, render, *, hostname, host_entry, tenant):
        self.status = status
        self.headers = headers
        # Where Content-Length is in Django's headers (its value is the body's length).
        self.length_at = next((i for i, (name, _) in enumerate(headers) if name.lower() == "content-length"), None)
        self.render = render
        self.hostname = hostname
        self.host_entry = host_entry
        self.tenant = tenant  # as the tenant middleware set it on the connection

    def headers_for(self, body: bytes) -> list[tuple[str, str]]:
        headers = list(self.headers)
        if self.length_at is not None:
            headers[self.length_at] = (headers[self.length_at][0], str(len(body)))
        return headers


class EnvironHeaders(Mapping):
    """`request.headers` (django.http.HttpHeaders) read straight from the WSGI environ:
    the verifiers look up a few names, and building the whole mapping per request cost
    more than the HMAC. The same case-insensitive names, the same values."""

    __slots__ = ("_environ",)

    def __init__(self, environ):
        self._environ = environ

    def __getitem__(self, name: str) -> str:
        return self._environ[HttpHeaders.to_wsgi_name(name)]

    def __contains__(self, name) -> bool:
        return isinstance(name, str) and HttpHeaders.to_wsgi_name(name) in self._environ

    def get(self, name, default=None):
        return self._environ.get(HttpHeaders.to_wsgi_name(name), default) if isinstance(name, str) else default

    def __iter__(self):
        return iter(HttpHeaders(self._environ))

    def __len__(self) -> int:
        return len(HttpHeaders(self._environ))


def webhook_keeper_mark(request, *, pk: int, render: Callable[[int], bytes]) -> bool:
    """Called by the webhook view when it stored delivery `pk` and answers 202:
    `render(pk)` must give the body it answers. False when the layer is not in front (the
    tests' client)."""
    mark = request.META.get(ENVIRON_KEY)
    if mark is None:
        return False
    hostname = request.get_host().partition(":")[0].lower()
    entry = hostname_local_entry(hostname)
    mark.update(pk=pk, render=render, hostname=hostname, tenant=request.tenant, host_entry=entry)
    return True


def _request_key(environ) -> tuple | None:
    if environ.get("REQUEST_METHOD") != "POST":
        return None
    if not environ.get("PATH_INFO", "").startswith("/api/webhooks/"):
        return None
    return request_origin(environ)


def _body_limit() -> int:
    limit = settings.EVENTS_WEBHOOK_MAX_BYTES
    if settings.DATA_UPLOAD_MAX_MEMORY_SIZE is not None:
        limit = min(limit, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    return limit


class WebhookKeeper:
    """WSGI middleware: `application = WebhookKeeper(app)`."""

    def __init__(self, app):
        self.app = app
        self.shapes: dict[tuple, Shape] = {}

    def __call__(self, environ, start_response):
        key = _request_key(environ) if settings.EVENTS_WEBHOOK_KEEPER else None
        if key is None:
            return self.app(environ, start_response)
        shape = self.shapes.get(key)
        if shape is not None and hostname_local_entry(shape.hostname) is shape.host_entry:
            body = self._store(environ, shape)
            if body is not None:
                start_response(shape.status, shape.headers_for(body))
                return [body]
        return self._django(key, environ, start_response)

    def _store(self, environ, shape: Shape) -> bytes | None:
        """The answer's body if the delivery was stored here, else None (Django's turn,
        with the body in `environ` as it came)."""
        match = _PATH.fullmatch(environ["PATH_INFO"])
        if match is None or environ.get("QUERY_STRING"):
            return None
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None
        if not 0 < length <= _body_limit():
            return None  # no body, a chunked one, or Django's 413: left unread
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)  # what Django reads if it answers instead
        if len(body) != length:
            return None
        signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            connection.set_tenant(shape.tenant)
            endpoint = webhook_endpoint_get(slug=match[1])
            if endpoint is None:
                return None
            event = webhook_store_new(endpoint=endpoint, body=body, headers=EnvironHeaders(environ))
            if event is None:
                return None
            answer = shape.render(event.pk)
            environ[STORED_KEY] = event.pk
            return answer
        except Exception:  # Django answers (a refusal, an outage): it is the place for errors
            logger.debug("webhook left to Django", exc_info=True)
            return None
        finally:
            signals.request_finished.send(sender=self.__class__)

    def _django(self, key, environ, start_response):
        """Django answers; a stored delivery's 202 that its view marked teaches this layer
        the answer's shape for `key`."""
        mark = environ[ENVIRON_KEY] = {}
        taken, result = django_answer_taken(self.app, environ, start_response, mark=mark, status="202")
        if taken is not None:
            self._learn(key, mark, *taken)
        return result

    def _learn(self, key, mark: dict, status: str, headers, body: bytes) -> None:
        host_entry = mark["host_entry"]  # the entry the request was routed with
        if host_entry is None or hostname_local_entry(mark["hostname"]) is not host_entry:
            return
        if mark["render"](mark["pk"]) != body:
            logger.warning("webhook answers left to Django: the keeper's rendering differs from Django's")
            return
        if len(self.shapes) >= SHAPES_MAX and key not in self.shapes:
            self.shapes.clear()
        self.shapes[key] = Shape(
            status,
            headers,
            mark["render"],
            hostname=mark["hostname"],
            host_entry=host_entry,
            tenant=mark["tenant"],
        )
