"""`/healthz` and `/readyz`, answered before tenant routing.

Probes reach a pod by IP or by any host, so these answer on every host, known or
not, and never touch tenant data.
"""

import json

from django.db import connection
from django.http import HttpResponse


def _json(status: int, body: dict) -> HttpResponse:
    return HttpResponse(json.dumps(body), status=status, content_type="application/json")


def readiness() -> dict[str, str]:
    """Each dependency's state: "ok" or the error it raised."""
    from django.core.cache import cache

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
