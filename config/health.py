"""`/healthz` and `/readyz`, answered before tenant routing.

Probes reach a pod by IP or by any host, so these answer on every host, known or
not, and never touch tenant data.
"""

import json
import logging

from django.db import connection
from django.http import HttpResponse

PROBE_PATHS = ("/healthz", "/readyz")


def _json(status: int, body: dict) -> HttpResponse:
    return HttpResponse(json.dumps(body), status=status, content_type="application/json")


def readiness() -> dict[str, str]:
    """Each dependency's state: "ok" or the error it raised.

    In a web worker that warms the search embedder at start, "search" is "loading" until the
    model is in, and that makes the worker not ready (503): readiness is what routes traffic
    (a load balancer, bin/run's banner), and a worker taken into service before its model
    loaded would make its first searcher wait the ≈5-8 s load, the very wait the warm start
    is for. Pages could be served meanwhile, but a rolling deploy loses nothing by sending
    them to the previous instance for those seconds. A model that failed to load stays not
    ready, with the error, so a broken release never takes traffic."""
    from django.core.cache import cache

    from search.embedders import embedder_readiness

    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        checks["database"] = f"error: {exc.__class__.__name__}: {exc}"
    try:
        cache._cache.get_client(write=True).ping()
        checks["redis"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["redis"] = f"error: {exc.__class__.__name__}: {exc}"
    search = embedder_readiness()
    if search is not None:
        checks["search"] = search
    return checks


class HealthMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info.rstrip("/")
        if path == "/healthz":
            return _json(200, {"status": "ok"})
        if path == "/readyz":
            checks = readiness()
            ready = all(state == "ok" for state in checks.values())
            return _json(200 if ready else 503, {"status": "ok" if ready else "unavailable", "checks": checks})
        return self.get_response(request)


class ProbeLogFilter(logging.Filter):
    """Keeps the probes' answers out of `django.request`'s log, which reports every 5xx as an
    error: a /readyz that says "not yet" is the probe doing its job, and bin/run (twice a
    second while it starts) or a load balancer asks it all the time."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        return request is None or request.path_info.rstrip("/") not in PROBE_PATHS
