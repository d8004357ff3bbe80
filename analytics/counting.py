"""Counting in the request: a few dict increments, no Redis command, no SQL.

A web process keeps its counts in memory, per tenant and minute, and a background thread
writes them to Redis every ANALYTICS_FLUSH_SECONDS in one MULTI (HINCRBY per counter,
PFADD of the day's visitors, the tenant marked pending). Celery beat rolls the Redis
hashes into the tenant's tables (analytics.services).

Why a buffer and not a counter command in the page cache's pipeline: a cached hit costs
one Redis GET, and every extra command in its round trip (HINCRBY, PFADD, EXPIRE) is
packed and parsed by redis-py in the request, and a hit replayed by content.replay is
~40 us in all; the buffer costs a view ~1.4 us (bench/analytics.py). The price: a web process killed with SIGKILL loses
its last second of counts (a graceful stop flushes them, atexit). With Redis down the
flush fails and those counts are dropped: the views are simply not counted.

No IP address or user agent is kept, in memory past the flush or anywhere else: a
visitor is a hash of (tenant, IP, user agent) salted with a random salt that changes
every day (kept in Redis, never in PostgreSQL), added to a HyperLogLog per tenant and day;
yesterday's hashes cannot be linked to today's.
"""

import atexit
import hashlib
import os
import secrets
import threading
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from redis import RedisError

from config.outage import outage_log

PENDING_KEY = "analytics:pending"  # schemas with counts to roll up (not tenant-prefixed)
KEY_TTL_SECONDS = 3 * 24 * 3600  # a safety net: the roll-up deletes what it rolled
SALT_TTL_SECONDS = 2 * 24 * 3600
QUERY_MAX = 200

# Common crawlers, link previewers, monitors and HTTP libraries (an empty user agent too):
# substrings of the lowercased user agent. A regex alternation of these costs ~40 us a
# request (it is tried at every position); substring tests and a memo of recent agents
# cost well under one.
BOT_MARKERS = (
    "bot", "crawl", "spider", "slurp", "bingpreview", "facebookexternalhit", "embedly",
    "quora link preview", "whatsapp", "preview", "monitor", "pingdom", "uptime", "headless",
    "lighthouse", "python-requests", "python-urllib", "curl/", "wget", "httpx", "go-http-client",
    "okhttp", "java/", "libwww", "scrapy", "feedfetcher", "mediapartners",
)  # fmt: skip
_bots: dict[str, bool] = {}  # user agent -> is a bot (bounded, cleared when full)

_lock = threading.Lock()
# Redis key of a tenant's minute hash -> (its tenant's set of minute hashes, {"<series>|<key>": count})
_counts: dict[str, tuple[str, dict[str, int]]] = {}
# Redis key of a tenant's day HyperLogLog -> (IP, user agent) seen since the last flush
_visitors: dict[str, set[tuple[str, str]]] = {}
_schemas: set[str] = set()
_keys: dict[tuple[str, int], tuple[str, str, str]] = {}  # (schema, minute) -> keys (see _keys_of)
_referrers: dict[str, str] = {}  # referrer -> its host (bounded, cleared when full)
_flusher_pid: int | None = None
_salts: dict[str, bytes] = {}  # day -> salt, read from Redis by the flusher
_views: dict[tuple[str, str, str, str], tuple[tuple[str, ...], bool]] = {}  # see view_counted


def minute_key(minute: int) -> str:
    return f"analytics:m:{minute}"


def minutes_key() -> str:
    """The tenant's set of minute hashes written since its last roll-up."""
    return "analytics:minutes"


def visitors_key(day: str) -> str:
    return f"analytics:u:{day}"


def is_bot(user_agent: str) -> bool:
    found = _bots.get(user_agent)
    if found is None:
        low = user_agent.lower()
        found = not user_agent or any(marker in low for marker in BOT_MARKERS)
        if len(_bots) > 5000:
            _bots.clear()
        _bots[user_agent] = found
    return found


def referrer_host(referrer: str, host: str) -> str:
    """The referring site's host, lowercase; "" for none, a malformed one, or this site."""
    if not referrer:
        return ""
    found = _referrers.get(referrer)
    if found is None:
        try:
            found = (urlsplit(referrer).hostname or "")[:255]
        except ValueError:
            found = ""
        if len(_referrers) > 5000:
            _referrers.clear()
        _referrers[referrer] = found
    return "" if found == host.partition(":")[0].lower() else found


def view_counted(
    *, slug: str, user_agent: str, referrer: str, client_ip: str, host: str, schema: str | None = None
) -> None:
    """Count one view of the page at `slug` for the current tenant (`schema`, when the
    caller has it at hand: the connection's otherwise): a bot's apart, a person's with its
    referrer's host and as a visitor of the day.

    The hot path of a replayed page (~40 us in all): what a view counts is worked out once
    per (page, user agent, referrer, host) and remembered, so a view costs a dict look-up
    and a few increments."""
    if not settings.ANALYTICS_ENABLED:
        return
    found = _views.get((slug, user_agent, referrer, host))
    if found is None:
        found = _view_fields(slug, user_agent, referrer, host)
    fields, bot = found
    # (IP, user agent) stays in this process's memory until the flush (at most a second),
    # which stores only its salted hash: the set dedupes a visitor's repeated views.
    _add(schema, fields, visitor=None if bot else (client_ip, user_agent))


def _view_fields(slug: str, user_agent: str, referrer: str, host: str) -> tuple[tuple[str, ...], bool]:
    if is_bot(user_agent):
        found = ((f"b|{slug}",), True)
    else:
        ref = referrer_host(referrer, host)
        found = ((f"v|{slug}", f"r|{ref}") if ref else (f"v|{slug}",), False)
    if len(_views) > 10000:
        _views.clear()
    _views[(slug, user_agent, referrer, host)] = found
    return found


def request_view_counted(request, slug: str) -> None:
    """view_counted for a visitor's request answered with the page at `slug`: the one
    call every place that answers a visitor's page makes (the page cache middleware, the
    page view)."""
    meta = request.META
    view_counted(
        slug=slug,
        user_agent=meta.get("HTTP_USER_AGENT", ""),
        referrer=meta.get("HTTP_REFERER", ""),
        client_ip=meta.get("REMOTE_ADDR", ""),
        host=meta.get("HTTP_HOST", ""),
        schema=request.tenant.schema_name,
    )


def search_counted(*, query: str, results: int) -> None:
    """A search of the current tenant: its text (lowercased, spaces collapsed), and apart
    when it found nothing (the content gap list)."""
    if not settings.ANALYTICS_ENABLED:
        return
    text = " ".join(query.lower().split())[:QUERY_MAX]
    if text:
        _add(None, [f"s|{text}"] if results else [f"s|{text}", f"z|{text}"])


def api_call_counted(*, key_prefix: str, schema: str | None = None) -> None:
    """An API call of the current tenant (`schema`, when the caller has it at hand: the
    connection's otherwise) made with the API key `key_prefix`."""
    if settings.ANALYTICS_ENABLED:
        _add(schema, [f"k|{key_prefix}"])


def tenant_key(schema: str, name: str) -> str:
    """cache.make_key(name) as it is in `schema` (django_tenants.cache.make_key, the cache's
    KEY_FUNCTION), without activating the schema: content.replay answers before any
    tenant is activated."""
    return f"{schema}:{cache.key_prefix}:{cache.version}:{name}"


def _keys_of(schema: str, minute: int) -> tuple[str, str, str]:
    """The tenant's minute hash, its set of minute hashes, its visitors of the day: made
    once a minute per tenant."""
    keys = _keys.get((schema, minute))
    if keys is None:
        if len(_keys) > 10000:
            _keys.clear()
        day = time.strftime("%Y-%m-%d", time.gmtime(minute * 60))
        keys = tuple(tenant_key(schema, name) for name in (minute_key(minute), minutes_key(), visitors_key(day)))
        _keys[(schema, minute)] = keys
    return keys


def _add(schema: str | None, fields, *, visitor: tuple[str, str] | None = None) -> None:
    if _flusher_pid != _pid:
        _flusher_start()
    if schema is None:
        schema = connection.schema_name
    minute = int(time.time() // 60)
    keys = _keys.get((schema, minute))
    key, minutes, day_key = keys if keys is not None else _keys_of(schema, minute)
    with _lock:
        entry = _counts.get(key)
        if entry is None:
            entry = _counts[key] = (minutes, {})
            _schemas.add(schema)
        counts = entry[1]
        for field in fields:
            counts[field] = counts.get(field, 0) + 1
        if visitor is not None:
            visitors = _visitors.get(day_key)
            if visitors is None:
                visitors = _visitors[day_key] = set()
            visitors.add(visitor)


def _forked() -> None:
    global _pid
    _pid = os.getpid()


_pid = os.getpid()
os.register_at_fork(after_in_child=_forked)  # os.getpid() per view is measurable


def _flusher_start() -> None:
    """One flushing thread per process (a forked web worker starts its own)."""
    global _flusher_pid
    with _lock:
        if _flusher_pid == _pid:
            return
        _counts.clear()  # a parent's counts belong to the parent
        _visitors.clear()
        _schemas.clear()
        _flusher_pid = _pid
    threading.Thread(target=_flush_loop, name="analytics-flush", daemon=True).start()
    atexit.register(flush)


def _flush_loop() -> None:
    while True:
        time.sleep(settings.ANALYTICS_FLUSH_SECONDS)
        flush()


def _client():
    return cache._cache.get_client(write=True)


def _salt(client, day: str) -> bytes:
    salt = _salts.get(day)
    if salt is None:
        key = f"analytics:salt:{day}"
        client.set(key, secrets.token_hex(16), nx=True, ex=SALT_TTL_SECONDS)
        salt = client.get(key)
        _salts.clear()
        _salts[day] = salt
    return salt


def flush() -> int:
    """Write this process's counts to Redis (one MULTI); returns how many counters. On a
    Redis error they are dropped (logged once per outage interval)."""
    global _counts, _visitors, _schemas
    with _lock:
        counts, visitors, schemas = _counts, _visitors, _schemas
        _counts, _visitors, _schemas = {}, {}, set()
    if not counts and not visitors:
        return 0
    try:
        client = _client()
        pipe = client.pipeline(transaction=True)
        for key, (minutes, fields) in counts.items():
            for field, n in fields.items():
                pipe.hincrby(key, field, n)
            pipe.expire(key, KEY_TTL_SECONDS)
            pipe.sadd(minutes, key)
        for key, seen in visitors.items():
            salt = _salt(client, key.rsplit(":", 1)[1])
            # The tenant is in the key's name, so the same person is not linked across tenants.
            hashes = [
                hashlib.blake2b(f"{key}\0{ip}\0{agent}".encode(), key=salt[:64], digest_size=8).digest()
                for ip, agent in seen
            ]
            pipe.pfadd(key, *hashes)
            pipe.expire(key, KEY_TTL_SECONDS)
        if schemas:
            pipe.sadd(PENDING_KEY, *schemas)
        pipe.execute()
    except RedisError as exc:
        outage_log("redis", "page views, searches and API calls not counted", exc)
        return 0
    return sum(len(fields) for _, fields in counts.values())
