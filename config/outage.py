"""An outage of Redis or PostgreSQL is logged once per interval, not once per request.

While Redis is down every request falls back (the cache, throttles, the deny-list, the
login counters fail open) and every request would log the same warning: at a few thousand
requests a second that buries the log and costs more than the fallback. Each process logs
the first failure of a dependency, then at most one line per `OUTAGE_LOG_SECONDS` saying
how many failures it did not log.
"""

import logging
import threading
import time

from django.conf import settings

logger = logging.getLogger("outage")

_lock = threading.Lock()
_last_logged: dict[str, float] = {}
_unlogged: dict[str, int] = {}


def _due(dependency: str) -> tuple[bool, int]:
    """(log now?, failures not logged since the last line)."""
    now = time.monotonic()
    with _lock:
        last = _last_logged.get(dependency)
        if last is not None and now - last < settings.OUTAGE_LOG_SECONDS:
            _unlogged[dependency] = _unlogged.get(dependency, 0) + 1
            return False, 0
        _last_logged[dependency] = now
        return True, _unlogged.pop(dependency, 0)


def outage_log(dependency: str, what: str, exc: BaseException) -> None:
    """Log that `dependency` ("redis", "database") failed while doing `what` and the
    request carried on without it; at most once per interval per dependency."""
    due, unlogged = _due(dependency)
    if due:
        more = f" ({unlogged} more failures since the last report)" if unlogged else ""
        logger.warning("%s unavailable, %s: %s: %s%s", dependency, what, type(exc).__name__, exc, more)


class OutageLogFilter(logging.Filter):
    """Drops Django's per-request log lines of 503 answers (`django.request` logs every
    5xx) but one per interval: the outage itself is reported by `outage_log`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) != 503:
            return True
        return _due("http-503")[0]


def outage_log_reset() -> None:
    """Forget what was logged: the next failure of each dependency is logged at once
    (a test that counts the lines starts from here)."""
    with _lock:
        _last_logged.clear()
        _unlogged.clear()
