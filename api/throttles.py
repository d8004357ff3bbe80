"""Rate limits per API key, per user and per client IP, counted in Redis per tenant.

ninja's throttle hook (`NinjaAPI(throttle=[...])`, 429 + Retry-After) with a fixed-window
counter instead of ninja's SimpleRateThrottle: that one keeps a list of every request time in
one cache value (read, rewrite, race), whereas INCR is one atomic Redis counter per
window. The cache's key function prefixes the tenant's schema, so tenants never share a count.
Rates come from settings (env API_RATE_LIMIT_*), read per request so they can be changed in tests.
"""

import logging
import time

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest
from ninja.throttling import BaseThrottle
from redis import RedisError

from api.models import ApiKey
from config.cache import redis_pipeline
from config.outage import outage_log

logger = logging.getLogger(__name__)
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE_INVALID = "Rate {rate!r} is invalid: use '<count>/<period>' with period s, m, h or d (e.g. '600/m')."


def rate_parse(rate: str) -> tuple[int, int]:
    count, _, period = rate.partition("/")
    try:
        return int(count), _PERIODS[period.strip()[-1:]] * int(period.strip()[:-1] or 1)
    except (KeyError, ValueError) as exc:
        raise ValueError(RATE_INVALID.format(rate=rate)) from exc


def window_count(key: str, period: int) -> int:
    """Count one more request in this window's counter and return the count.

    On Redis: INCR + EXPIRE pipelined, one round trip (Django's cache.incr alone costs two:
    EXISTS then INCR). The key still goes through the cache's key function, so it carries the
    tenant's schema. Other cache backends: add + incr.
    """
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        pipe, (full_key,) = redis_pipeline(key)
        pipe.incr(full_key)
        pipe.expire(full_key, period + 1)  # the window's number is in the key: the TTL only cleans up
        count, _ = pipe.execute()
        return int(count)
    if backend.add(key, 1, timeout=period + 1):
        return 1
    try:
        return backend.incr(key)
    except ValueError:  # the window expired between add and incr
        backend.add(key, 1, timeout=period + 1)
        return 1


class FixedWindowThrottle(BaseThrottle):
    scope = ""
    rate_setting = ""

    def ident(self, request: HttpRequest) -> str | None:
        """Who is counted, or None when this throttle does not apply to the request."""
        raise NotImplementedError

    def window(self, ident: str, now: float) -> tuple[str, int, int]:
        """(counter key, period in seconds, limit) of `ident`'s current window."""
        limit, period = rate_parse(getattr(settings, self.rate_setting))
        return f"api:throttle:{self.scope}:{ident}:{int(now // period)}", period, limit

    def allow_request(self, request: HttpRequest) -> bool:
        ident = self.ident(request)
        if ident is None:
            return True
        now = time.time()
        key, period, limit = self.window(ident, now)
        counts = getattr(request, "api_counts", {})
        if counts is None:
            return True  # the authentication found Redis down a moment ago: fail open (below)
        # Counted already by the authentication's Redis round trip (api.credentials)?
        count = counts.get(key)
        if count is None:
            try:
                count = window_count(key, period)
            except RedisError as exc:
                # Fail open: with Redis down the API still answers, unlimited, rather than not at all.
                outage_log("redis", "API rate limits not counted", exc)
                return True
        self._wait = period - (now % period)
        return count <= limit

    def counter(self, ident: str) -> tuple[str, int]:
        """`(key, ttl)` of `ident`'s counter for `config.cache.cache_round_trip`: an
        authentication that makes a Redis round trip anyway counts the request in it and
        leaves the count in `request.api_counts` for `allow_request`."""
        return self.counter_limit(ident)[0]

    def counter_limit(self, ident: str) -> tuple[tuple[str, int], int]:
        """`(counter, limit)`: `counter()` and the most requests its window allows (a count
        above it is a 429; api.replay lets Django answer those)."""
        key, period, limit = self.window(ident, time.time())
        return (key, period + 1), limit  # the window's number is in the key: the TTL only cleans up

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)


class AnonThrottle(FixedWindowThrottle):
    """Calls without credentials (log in, refresh, public reads), per client IP."""

    scope = "ip"
    rate_setting = "API_RATE_LIMIT_ANON"

    def ident(self, request):
        if getattr(request, "auth", None) is not None:
            return None
        return self.get_ident(request) or "unknown"


class UserThrottle(FixedWindowThrottle):
    scope = "user"
    rate_setting = "API_RATE_LIMIT_USER"

    def ident(self, request):
        auth = getattr(request, "auth", None)
        if auth is None or isinstance(auth, ApiKey):
            return None
        return str(auth.pk)


class KeyThrottle(FixedWindowThrottle):
    """Per key, by its prefix: known before the key's row or cached state is read."""

    scope = "key"
    rate_setting = "API_RATE_LIMIT_KEY"

    def ident(self, request):
        auth = getattr(request, "auth", None)
        return auth.prefix if isinstance(auth, ApiKey) else None


def throttles() -> list[FixedWindowThrottle]:
    return [AnonThrottle(), UserThrottle(), KeyThrottle()]


class FailOpen(BaseThrottle):
    """A throttle that lets the call through when Redis (its counter) is down: an
    accepted event is worth more than an exact rate limit during an outage."""

    def __init__(self, throttle):
        self.throttle = throttle

    def allow_request(self, request) -> bool:
        try:
            return self.throttle.allow_request(request)
        except (RedisError, OSError):
            logger.warning("throttle counter unavailable; request let through")
            return True

    def wait(self):
        return self.throttle.wait()
