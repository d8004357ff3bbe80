"""The full-page cache: rendered HTML of published pages, one entry per slug, in Redis and
in each web process, invalidated exactly.

Keys go through the tenant-aware key function (django_tenants.cache.make_key prefixes
the current schema), so acme's "about" and globex's "about" are different entries.

Two layers, one Redis round trip per hit:
- Redis holds each page's entry and, per tenant, a *generation*: a random token that
  every invalidation replaces, in the same MULTI as it deletes the entries (after the
  writing transaction commits, see services).
- Each process keeps the entries it served, stamped with the generation they were valid
  at. A hit reads the tenant's generation (one GET); when it is the stamp, the local copy
  is the answer, else one MGET of generation + entry (atomic) refills it. So a publish is
  seen by every process on its next request after the invalidation, and nothing changed
  is served from memory. Tokens are random, so a flushed Redis never brings an old
  generation back.

A rendered entry is stored only if the generation is still the one read before the page
was read from the database (a Lua script, one round trip): a request that read the row
just before a publish cannot put the old HTML back after the publish dropped it.
"""

import json
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django_tenants.utils import schema_context
from redis import RedisError

from config.outage import outage_log

GENERATION_KEY = "content:generation"
_MAGIC = b"page/2\n"  # entries of another shape (an older release, Django's pickles) are misses
_OUTAGE = "pages rendered without the page cache"

# KEYS: generation, entry. ARGV: the generation read before rendering ("" = none), the
# entry, its TTL, a new generation for a tenant that has none yet. Returns the generation
# the entry is valid at, or false when a write invalidated the tenant's pages meanwhile.
_SET_IF_CURRENT = """
local generation = redis.call('GET', KEYS[1])
if not generation then
  if ARGV[1] ~= '' then return false end
  generation = ARGV[4]
  redis.call('SET', KEYS[1], generation)
elseif generation ~= ARGV[1] then
  return false
end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
return generation
"""

# (schema, slug) -> (generation, entry): this process's copies.
_local: dict[tuple[str, str], tuple[bytes, dict]] = {}


def page_cache_key(slug: str) -> str:
    return f"content:page:2:{slug}"


def _legacy_page_cache_key(slug: str) -> str:
    """Where releases before the generations kept a page (a pickled dict): during a rolling
    deploy their processes still read and write it, so invalidations drop it too."""
    return f"content:page:{slug}"


def _client():
    return cache._cache.get_client(write=True)


def _encode(entry: dict) -> bytes:
    head = {key: value for key, value in entry.items() if key != "body"}
    return _MAGIC + json.dumps(head).encode() + b"\n" + entry["body"]


def _decode(raw) -> dict | None:
    if not isinstance(raw, bytes) or not raw.startswith(_MAGIC):
        return None
    head, sep, body = raw[len(_MAGIC) :].partition(b"\n")
    try:
        entry = json.loads(head) if sep else None
    except ValueError:
        return None
    if not isinstance(entry, dict):
        return None
    entry["body"] = body
    return entry


def page_cache_get(slug: str) -> tuple[dict | None, bytes | None]:
    """(entry or None, the tenant's generation as read). The generation is b"" when the
    tenant has none yet, None when the cache is off or Redis is down: the page is rendered
    from the database (the cache is a speed-up, never a reason for a visitor's error)."""
    if not settings.CONTENT_PAGE_CACHE:
        return None, None
    local_key = (connection.schema_name, slug)
    key = generation_key()
    try:
        local = _local.get(local_key)
        if local is not None:
            generation = _client().get(key) or b""
            if generation and generation == local[0]:
                return local[1], generation
        generation, raw = _client().mget(key, cache.make_key(page_cache_key(slug)))
    except RedisError as exc:
        outage_log("redis", _OUTAGE, exc)
        return None, None
    entry = _decode(raw)
    if entry is not None and generation:
        _local_keep(local_key, generation, entry)
    return entry, generation or b""


def _local_keep(local_key, generation: bytes, entry: dict) -> None:
    limit = settings.CONTENT_PAGE_LOCAL_ENTRIES
    if limit <= 0:
        return
    if len(_local) >= limit and local_key not in _local:
        _local.clear()  # a bound, not an LRU: refilling costs one MGET per page
    _local[local_key] = (generation, entry)


def generation_key() -> str:
    """The current tenant's generation key (its schema is in it)."""
    return cache.make_key(GENERATION_KEY)


def generation_is(key: str, generation: bytes) -> bool:
    """Whether the generation stored at `key` (generation_key, read in its tenant) is still
    `generation`: one GET. Raises RedisError."""
    return _client().get(key) == generation


def page_cache_set(slug: str, entry: dict, *, generation: bytes | None) -> None:
    """Store `entry` unless the tenant's pages were invalidated since `generation` was read
    (page_cache_get, before the page was read from the database)."""
    if not settings.CONTENT_PAGE_CACHE or generation is None:
        return
    try:
        stored = _set_if_current(page_cache_key(slug), _encode(entry), generation)
    except RedisError as exc:
        outage_log("redis", _OUTAGE, exc)
        return
    if stored:
        _local_keep((connection.schema_name, slug), stored, entry)


def _set_if_current(key: str, raw: bytes, generation: bytes) -> bytes | None:
    """SET `key` (made tenant-aware here) to `raw` unless the tenant's generation moved on
    from `generation`; returns the generation it is valid at, or None. Raises RedisError."""
    return _client().eval(
        _SET_IF_CURRENT,
        2,
        generation_key(),
        cache.make_key(key),
        generation,
        raw,
        settings.CONTENT_PAGE_CACHE_TIMEOUT,
        secrets.token_hex(8),
    )


def page_cache_invalidate(*, schema_name: str, slugs) -> None:
    """Drop the cached pages (HTML and the API's published JSON) of `slugs`
    in the tenant `schema_name` and give the tenant a new generation, so every process drops its copies too. Raises
    RedisError when Redis is down: the caller keeps the change for later (an entry that
    could not be dropped would be served stale once Redis is back)."""
    with schema_context(schema_name):
        keys = []
        for slug in slugs:
            keys += [cache.make_key(page_cache_key(slug)), cache.make_key(_legacy_page_cache_key(slug))]
            # The API's published and draft JSON.
            keys += [cache.make_key(page_json_cache_key(slug)), cache.make_key(page_draft_json_cache_key(slug))]
        pipe = _client().pipeline(transaction=True)
        pipe.delete(*keys)
        pipe.set(generation_key(), secrets.token_hex(8))
        pipe.execute()


def local_cache_clear() -> None:
    """Forget this process's copies (tests do, to start from Redis)."""
    _local.clear()


# --- the page as JSON (the API's published read, and its draft read) ---
# Kept and dropped with the HTML entry above (same switch, timeout, invalidation and guard:
# a body is stored only if the tenant's generation, read before the row, is still current):
# the API caches the bytes it sends, the content app only owns the keys and their life.


def page_json_cache_key(slug: str) -> str:
    return f"content:page-json:{slug}"


def page_draft_json_cache_key(slug: str) -> str:
    return f"content:page-draft-json:{slug}"


def generation_get() -> bytes | None:
    """The current tenant's generation now (b"" when it has none); None with the cache off
    or Redis down. Read it before the row whose JSON you store with page_json_cache_set."""
    if not settings.CONTENT_PAGE_CACHE:
        return None
    try:
        return _client().get(generation_key()) or b""
    except RedisError as exc:
        outage_log("redis", "API pages answered without the page cache", exc)
        return None


def page_json_cache_set(key: str, body: bytes, *, generation: bytes | None) -> None:
    """Store `body` at `key` (page_json_cache_key or page_draft_json_cache_key), readable
    with Django's cache API, unless the tenant's pages changed since `generation`."""
    if not settings.CONTENT_PAGE_CACHE or generation is None:
        return
    try:
        _set_if_current(key, cache._cache._serializer.dumps(body), generation)
    except RedisError as exc:
        outage_log("redis", "API pages answered without the page cache", exc)
