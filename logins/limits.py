"""Failed logins counted per (client IP, username) and per client IP, in Redis per tenant.

Past `LOGIN_FAILURES_PER_USER_IP` failures of one username from one IP, or
`LOGIN_FAILURES_PER_IP` from one IP whatever the username (password spraying), within
`LOGIN_FAILURE_WINDOW_SECONDS` of the first one, that IP may not log in as that user (or
at all) until the window ends: the token endpoint answers 429 with Retry-After, the admin
login forms say so. A successful login clears the username's count, not the IP's (a
valid account must not wipe an attacker's count). Keys go through the cache's key
function, so they carry the tenant's schema: acme's failures never lock globex's user of
the same name. With Redis down, logins are not limited (fail open, logged once).

Why not django-axes (evaluated first): its cache handler compares the highest of its
counters with one AXES_FAILURE_LIMIT (no 5 per user+IP and 50 per IP without rewriting the
handler), AXES_RESET_ON_SUCCESS clears the IP's counter too, the handler raises when
Redis is down, and its lockout answer has no Retry-After; its keys do carry the tenant
(django-tenants' key function). What is left is two Redis counters: one round trip to
check, one to count.
"""

import hashlib

from django.conf import settings
from ninja.throttling import BaseThrottle
from redis import RedisError

from config.cache import redis_pipeline
from config.outage import outage_log

LOGIN_LOCKED = "Too many failed logins: try again in {minutes} minute(s)."


class LoginLocked(Exception):
    """Raised by callers that answer a locked login themselves (the API: a 429)."""

    def __init__(self, wait: int) -> None:
        self.wait = wait
        super().__init__(LOGIN_LOCKED.format(minutes=max(1, -(-wait // 60))))


def client_ip(request) -> str:
    """The client's address as the API's rate limits see it (ninja's rule, NINJA_NUM_PROXIES)."""
    return BaseThrottle().get_ident(request) or "unknown"


def _keys(request, username: str) -> tuple[str, str]:
    ip = client_ip(request)
    user = hashlib.sha256(f"{username}\n{ip}".encode()).hexdigest()  # bounded, whatever was typed
    return f"logins:failed:user-ip:{user}", f"logins:failed:ip:{ip}"


def _limits() -> tuple[int, int]:
    return settings.LOGIN_FAILURES_PER_USER_IP, settings.LOGIN_FAILURES_PER_IP


def login_lock_wait(request, username: str) -> int | None:
    """Seconds until this client may try `username` again, or None if it may now."""
    try:
        pipe, keys = redis_pipeline(*_keys(request, username))
        for key in keys:
            pipe.get(key)
        for key in keys:
            pipe.ttl(key)
        user_count, ip_count, *ttls = pipe.execute()
    except RedisError as exc:
        outage_log("redis", "logins not limited", exc)
        return None
    waits = [
        max(ttl, 1)
        for count, limit, ttl in zip((user_count, ip_count), _limits(), ttls, strict=True)
        if int(count or 0) >= limit
    ]
    return max(waits) if waits else None


def login_failure_count(request, username: str) -> None:
    """Count one failed login. The window starts at the first failure (SET NX EX), so a
    client that keeps failing cannot stretch it, and a locked client waits at most one."""
    try:
        pipe, keys = redis_pipeline(*_keys(request, username))
        for key in keys:
            pipe.set(key, 0, ex=settings.LOGIN_FAILURE_WINDOW_SECONDS, nx=True)
            pipe.incr(key)
        pipe.execute()
    except RedisError as exc:
        outage_log("redis", "failed logins not counted", exc)


def login_success(request, username: str) -> None:
    """Clear this username's count from this IP (not the IP's own count)."""
    try:
        pipe, (user_key, _) = redis_pipeline(*_keys(request, username))
        pipe.delete(user_key)
        pipe.execute()
    except RedisError as exc:
        outage_log("redis", "failed logins not counted", exc)
