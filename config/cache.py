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
