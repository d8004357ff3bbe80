"""Counting in the request: a few dict increments, no Redis command, no SQL.

A web process keeps its counts in memory, per tenant and minute, and a background thread
writes them to Redis every ANALYTICS_FLUSH_SECONDS in one MULTI (HINCRBY per counter,
PFADD of the day's visitors, the tenant marked pending). Celery beat rolls the Redis
hashes into the tenant's tables (analytics.services).

Why a buffer and not a counter command in the page cache's pipeline: a cached hit costs
one Redis GET, and every extra command in its round trip (HINCRBY, PFADD, EXPIRE) is
packed and parsed by redis-py in the request; measured in bench/analytics.py, the buffer
costs the request a few microseconds. The price: a web process killed with SIGKILL loses
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
import re
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

# Common crawlers, link previewers, monitors and HTTP libraries; an empty user agent too.
_BOT_RE = re.compile(
    r"bot|crawl|spider|slurp|bingpreview|facebookexternalhit|embedly|quora link preview|"
    r"whatsapp|preview|monitor|pingdom|uptime|headless|lighthouse|python-requests|python-urllib|"
    r"curl|wget|httpx|go-http-client|okhttp|java/|libwww|scrapy|feedfetcher|mediapartners",
    re.IGNORECASE,
)

_lock = threading.Lock()
# Redis key of a tenant's minute hash -> (its tenant's set of minute hashes, {"<series>|<key>": count})
_counts: dict[str, tuple[str, dict[str, int]]] = {}
# Redis key of a tenant's day HyperLogLog -> unsalted digests of (tenant, IP, user agent)
_visitors: dict[str, set[bytes]] = {}
_schemas: set[str] = set()
_keys: dict[tuple[str, str], str] = {}  # (schema, name) -> tenant-aware key (make_key is not free)
_flusher_pid: int | None = None
_salts: dict[str, bytes] = {}  # day -> salt, read from Redis by the flusher


def minute_key(minute: int) -> str:
    return f"analytics:m:{minute}"


def minutes_key() -> str:
    """The tenant's set of minute hashes written since its last roll-up."""
    return "analytics:minutes"


def visitors_key(day: str) -> str:
    return f"analytics:u:{day}"


def is_bot(user_agent: str) -> bool:
    return not user_agent or _BOT_RE.search(user_agent) is not None


def referrer_host(referrer: str, host: str) -> str:
    """The referring site's host, lowercase; "" for none, a malformed one, or this site."""
    if not referrer:
        return ""
    try:
        found = (urlsplit(referrer).hostname or "")[:255]
    except ValueError:
        return ""
    return "" if found == host.partition(":")[0].lower() else found


def view_counted(*, slug: str, user_agent: str, referrer: str, client_ip: str, host: str) -> None:
    """Count one view of the page at `slug` for the current tenant: a bot's apart, a
    person's with its referrer's host and as a (hashed) visitor of the day."""
    if not settings.ANALYTICS_ENABLED:
        return
    now = time.time()
    if is_bot(user_agent):
        _add([f"b|{slug}"], now)
        return
    fields = [f"v|{slug}"]
    ref = referrer_host(referrer, host)
    if ref:
        fields.append(f"r|{ref}")
    schema = connection.schema_name
    # Unsalted and in this process's memory only until the flush salts it.
    visitor = hashlib.blake2b(f"{schema}\0{client_ip}\0{user_agent}".encode(), digest_size=16).digest()
    _add(fields, now, visitor=visitor)


def request_view_counted(request, slug: str) -> None:
    """view_counted for a visitor's request answered with the page at `slug`."""
    meta = request.META
    view_counted(
        slug=slug,
        user_agent=meta.get("HTTP_USER_AGENT", ""),
        referrer=meta.get("HTTP_REFERER", ""),
        client_ip=meta.get("REMOTE_ADDR", ""),
        host=meta.get("HTTP_HOST", ""),
    )


def search_counted(*, query: str, results: int) -> None:
    """A search of the current tenant: its text (lowercased, spaces collapsed), and apart
    when it found nothing (the content gap list)."""
    if not settings.ANALYTICS_ENABLED:
        return
    text = " ".join(query.lower().split())[:QUERY_MAX]
    if text:
        _add([f"s|{text}"] if results else [f"s|{text}", f"z|{text}"], time.time())


def api_call_counted(*, key_prefix: str) -> None:
    """An API call of the current tenant made with the API key `key_prefix`."""
    if settings.ANALYTICS_ENABLED:
        _add([f"k|{key_prefix}"], time.time())


def _key(schema: str, name: str) -> str:
    key = _keys.get((schema, name))
    if key is None:
        if len(_keys) > 10000:
            _keys.clear()
        key = _keys[(schema, name)] = cache.make_key(name)  # prefixed with connection's schema
    return key


def _add(fields: list[str], now: float, *, visitor: bytes | None = None) -> None:
    if _flusher_pid != os.getpid():
        _flusher_start()
    schema = connection.schema_name
    key = _key(schema, minute_key(int(now // 60)))
    day_key = _key(schema, visitors_key(time.strftime("%Y-%m-%d", time.gmtime(now)))) if visitor else None
    with _lock:
        entry = _counts.get(key)
        if entry is None:
            entry = _counts[key] = (_key(schema, minutes_key()), {})
            _schemas.add(schema)
        counts = entry[1]
        for field in fields:
            counts[field] = counts.get(field, 0) + 1
        if visitor is not None:
            _visitors.setdefault(day_key, set()).add(visitor)


def _flusher_start() -> None:
    """One flushing thread per process (a forked web worker starts its own)."""
    global _flusher_pid
    with _lock:
        if _flusher_pid == os.getpid():
            return
        _counts.clear()  # a parent's counts belong to the parent
        _visitors.clear()
        _schemas.clear()
        _flusher_pid = os.getpid()
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
        for key, digests in visitors.items():
            salt = _salt(client, key.rsplit(":", 1)[1])
            pipe.pfadd(key, *(hashlib.blake2b(d, key=salt[:64], digest_size=8).digest() for d in digests))
            pipe.expire(key, KEY_TTL_SECONDS)
        if schemas:
            pipe.sadd(PENDING_KEY, *schemas)
        pipe.execute()
    except RedisError as exc:
        outage_log("redis", "page views, searches and API calls not counted", exc)
        return 0
    return sum(len(fields) for _, fields in counts.values())
