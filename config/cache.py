"""Django's Redis cache backend, with one redis-py client per connection pool.

Django's `RedisCacheClient.get_client()` builds a new `redis.Redis` on every cache call,
and redis-py 8's constructor fills its table of ~170 response callbacks each time:
profiled here at ~150 µs per call, half of a cached page's whole request (two cache
GETs: host lookup and page). A client is thread-safe over its pool, so one per pool
serves every call; the pool itself still reconnects after a fork or an outage.
"""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient


def redis_pipeline(*keys: str, alias: str = "default"):
    """A redis-py pipeline (no MULTI) on the cache's server and `keys` made full by the
    cache's key function (django-tenants prefixes the current schema): several commands in
    one round trip where Django's cache API would take one each (`incr` alone takes two)."""
    from django.core.cache import caches

    backend = caches[alias]
    full_keys = [backend.make_and_validate_key(key) for key in keys]
    return backend._cache.get_client(full_keys[0], write=True).pipeline(transaction=False), full_keys


# KEYS: the keys read, the counters, the markers. ARGV: how many read, how many counters,
# then the counters' TTLs and the markers' TTLs. Returns {values read, counts..., markers
# set (1/0)...}. One EVALSHA: redis-py's pipeline object costs more Python than the
# commands (≈0.1–0.2 ms a call measured on a 2-core machine, against one command's reply).
_ROUND_TRIP = """
local reads, counters = tonumber(ARGV[1]), tonumber(ARGV[2])
local out = {{}}  -- out[1]: the values read (none: an empty list)
if reads > 0 then out[1] = redis.call('MGET', unpack(KEYS, 1, reads)) end
for i = 1, counters do
  local key = KEYS[reads + i]
  local count = redis.call('INCR', key)
  if count == 1 then redis.call('EXPIRE', key, ARGV[2 + i]) end  -- atomic: the new key gets its TTL
  out[#out + 1] = count
end
for i = reads + counters + 1, #KEYS do
  out[#out + 1] = redis.call('SET', KEYS[i], 1, 'NX', 'EX', ARGV[2 + i - reads]) and 1 or 0
end
return out
"""
_scripts: dict[int, object] = {}


def cache_round_trip(keys=(), *, counters=(), markers=(), make=None, alias: str = "default"):
    """Read `keys`, count `counters` and set `markers`, in ONE Redis round trip (one script).

    - `keys`: read with one MGET; values decoded as Django's cache would (`cache.get`);
    - `counters`: `(key, ttl)` pairs, each INCR'd (its TTL set with EXPIRE when the INCR
      made it: one write a request, not two);
    - `markers`: `(key, ttl)` pairs, each `SET key 1 NX EX ttl`: True when this call set it
      (the first caller in `ttl` seconds).

    Every key goes through the cache's key function (the tenant's schema is in it), or
    through `make` (e.g. a tenant's key function without activating the tenant).
    Returns `(values by key, counts, markers set)`. Raises RedisError when Redis is down:
    each caller decides what to fall back to. The API's authentication reads the caller's
    state, the token deny-list and the rate-limit counter this way (api.credentials)."""
    from django.core.cache import caches

    backend = caches[alias]
    keys, counters, markers = list(keys), list(counters), list(markers)
    make = make or backend.make_and_validate_key
    client = backend._cache.get_client(write=True)
    script = _scripts.get(id(client))
    if script is None:
        script = _scripts[id(client)] = client.register_script(_ROUND_TRIP)
    full_keys = [make(key) for key in keys]
    full_keys += [make(key) for key, _ in counters]
    full_keys += [make(key) for key, _ in markers]
    args = [len(keys), len(counters), *(ttl for _, ttl in counters), *(ttl for _, ttl in markers)]
    reply = script(keys=full_keys, args=args, client=client)  # EVALSHA (EVAL again after a restart)
    loads = backend._cache._serializer.loads
    values = {key: (loads(value) if value is not None else None) for key, value in zip(keys, reply[0], strict=True)}
    counts = [int(count) for count in reply[1 : 1 + len(counters)]]
    marked = [bool(flag) for flag in reply[1 + len(counters) :]]
    return values, counts, marked
