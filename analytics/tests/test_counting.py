"""Page views, searches and API calls are counted per tenant, off the request (a buffer
flushed to Redis), and rolled up into the tenant's own tables."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from analytics import counting
from analytics.models import Series
from analytics.tests.utils import BROWSER, CRAWLER, day_counts, publish, rollup
from api.tests.utils import api_key_header
from content import cache as page_cache

pytestmark = pytest.mark.usefixtures("committed")

CLIENT_IP = "203.0.113.77"


def _visit(host: str, path: str, *, ua: str = BROWSER, ip: str = CLIENT_IP, referrer: str = ""):
    extra = {"HTTP_USER_AGENT": ua, "REMOTE_ADDR": ip}
    if referrer:
        extra["HTTP_REFERER"] = referrer
    response = Client(HTTP_HOST=host).get(path, **extra)
    assert response.status_code == 200, response.content[:300]
    return response


def test_a_cached_hit_is_counted_and_each_tenant_counts_its_own():
    publish("alpha", "about")
    publish("beta", "about")
    _visit("alpha.localhost", "/about/")  # rendered and cached
    with schema_context("alpha"):
        assert page_cache.page_cache_get("about")[0] is not None  # the next ones are hits
    for _ in range(3):
        _visit("alpha.localhost", "/about/", referrer="https://news.example.org/story?id=1")  # cache hits
    _visit("beta.localhost", "/about/")
    rollup("alpha")
    rollup("beta")
    assert day_counts("alpha", Series.VIEW) == {"about": 4, "*": 4}
    assert day_counts("alpha", Series.REFERRER) == {"news.example.org": 3}  # the host only
    assert day_counts("alpha", Series.UNIQUES) == {"": 1}  # one IP and user agent
    assert day_counts("beta", Series.VIEW) == {"about": 1, "*": 1}
    assert day_counts("beta", Series.REFERRER) == {}


def test_the_cached_hit_path_counts_without_a_database_query(django_assert_num_queries):
    publish("alpha", "menu")
    _visit("alpha.localhost", "/menu/")
    counting.flush()
    with django_assert_num_queries(0):  # a hit: no SQL, counted in memory
        _visit("alpha.localhost", "/menu/")
    assert counting.flush() == 1  # one counter (v|menu) in one minute
    rollup("alpha")
    assert day_counts("alpha", Series.VIEW)["menu"] == 2


def test_a_hit_replayed_in_front_of_django_is_counted(wsgi):
    """content.replay answers a cached page without Django (no middleware, no tenant
    activated): it counts the view for the tenant the answer was served for."""
    publish("alpha", "replayed")
    publish("beta", "replayed")
    handled = [wsgi("alpha.localhost", "/replayed/", HTTP_USER_AGENT=BROWSER)[3] for _ in range(4)]
    assert handled[:2] == [True, True] and handled[2:] == [False, False]  # rendered, hit, replayed
    wsgi("beta.localhost", "/replayed/", HTTP_USER_AGENT=CRAWLER)
    rollup("alpha")
    rollup("beta")
    assert day_counts("alpha", Series.VIEW) == {"replayed": 4, "*": 4}
    assert day_counts("beta", Series.VIEW) == {}
    assert day_counts("beta", Series.BOT) == {"replayed": 1, "*": 1}


def test_tenant_key_is_the_caches_own_key_of_that_tenant():
    with schema_context("beta"):
        assert counting.tenant_key("beta", "analytics:x") == cache.make_key("analytics:x")


def test_bots_are_counted_apart_and_are_no_visitors():
    publish("alpha", "")
    _visit("alpha.localhost", "/", ua=CRAWLER)
    _visit("alpha.localhost", "/", ua="")
    _visit("alpha.localhost", "/")
    rollup("alpha")
    assert day_counts("alpha", Series.BOT) == {"": 2, "*": 2}
    assert day_counts("alpha", Series.VIEW) == {"": 1, "*": 1}
    assert day_counts("alpha", Series.UNIQUES) == {"": 1}


def test_unique_visitors_are_distinct_ip_and_user_agent_pairs_of_the_day():
    publish("alpha", "about")
    for ip in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        for _ in range(2):
            _visit("alpha.localhost", "/about/", ip=ip)
    rollup("alpha")
    assert day_counts("alpha", Series.VIEW)["*"] == 6
    assert day_counts("alpha", Series.UNIQUES) == {"": 3}


def test_an_internal_referrer_is_not_counted():
    publish("alpha", "about")
    _visit("alpha.localhost", "/about/", referrer="http://alpha.localhost/")
    _visit("alpha.localhost", "/about/", referrer="not a url at all")
    rollup("alpha")
    assert day_counts("alpha", Series.REFERRER) == {}


def test_unpublished_and_unknown_pages_are_not_counted():
    Client(HTTP_HOST="alpha.localhost").get("/nowhere/", HTTP_USER_AGENT=BROWSER)
    rollup("alpha")
    assert day_counts("alpha", Series.VIEW) == {}


def test_searches_are_counted_with_those_that_found_nothing_apart():
    client = Client(HTTP_HOST="alpha.localhost")
    assert client.get("/search/", {"q": "  Gluten   FREE  ", "mode": "keyword"}).status_code == 200
    assert client.get("/search/", {"q": "gluten free", "mode": "keyword"}).status_code == 200
    rollup("alpha")
    assert day_counts("alpha", Series.SEARCH) == {"gluten free": 2}
    assert day_counts("alpha", Series.SEARCH_EMPTY) == {"gluten free": 2}  # nothing is published
    assert day_counts("beta", Series.SEARCH) == {}


def test_api_calls_are_counted_by_key(key_factory, tenant_a, tenant_b):
    key = key_factory(tenant_a, ["pages:read"], name="partner")
    prefix = key.split(".")[0]
    client = Client(HTTP_HOST="alpha.localhost")
    for _ in range(2):
        assert client.get("/api/published/pages", **api_key_header(key)).status_code in (200, 404)
    rollup("alpha")
    rollup("beta")
    assert day_counts("alpha", Series.API) == {prefix: 2}
    assert day_counts("beta", Series.API) == {}


def test_api_calls_replayed_in_front_of_django_are_counted_by_key(key_factory, tenant_a, tenant_b, wsgi):
    """api.replay answers a published page by key without Django: each call is counted
    for the key and tenant as ApiMiddleware counts it, whoever answered it."""
    publish("alpha", "menu")
    publish("beta", "menu")
    key_a = key_factory(tenant_a, ["pages:read"])
    key_b = key_factory(tenant_b, ["pages:read"])
    handled = [wsgi("alpha.localhost", "/api/published/pages/menu", **api_key_header(key_a))[3] for _ in range(6)]
    assert handled[:2] == [True, True] and not any(handled[2:])  # rendered, cached hit, then replayed
    wsgi("beta.localhost", "/api/published/pages/menu", **api_key_header(key_b))
    rollup("alpha")
    rollup("beta")
    assert day_counts("alpha", Series.API) == {key_a.split(".")[0]: 6}
    assert day_counts("beta", Series.API) == {key_b.split(".")[0]: 1}


def test_no_ip_address_or_user_agent_is_stored_anywhere():
    """Grep every table of both schemas and the public one, and every Redis key and value."""
    publish("alpha", "about")
    ua = "Mozilla/5.0 UniqueAgentMarker/9.9"
    for _ in range(2):
        _visit("alpha.localhost", "/about/", ip=CLIENT_IP, ua=ua, referrer="https://ref.example/x")
    rollup("alpha")
    counting.flush()
    assert day_counts("alpha", Series.UNIQUES) == {"": 1}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_schema IN ('alpha', 'beta', 'public') AND table_type = 'BASE TABLE'"
        )
        tables = cursor.fetchall()
        assert ("alpha", "analytics_daycount") in tables
        found = []
        for schema, table in tables:
            cursor.execute(
                f'SELECT count(*) FROM "{schema}"."{table}" AS t WHERE t::text LIKE %s OR t::text LIKE %s',
                [f"%{CLIENT_IP}%", "%UniqueAgentMarker%"],
            )
            if cursor.fetchone()[0]:
                found.append(f"{schema}.{table}")
    assert found == []
    client = counting._client()
    leaked = []
    for key in client.scan_iter(count=1000):
        kind = client.type(key)
        values = {
            b"string": lambda k: [client.get(k)],
            b"hash": lambda k: [*client.hgetall(k).keys(), *client.hgetall(k).values()],
            b"set": lambda k: list(client.smembers(k)),
            b"list": lambda k: client.lrange(k, 0, -1),
            b"zset": lambda k: client.zrange(k, 0, -1),
        }.get(kind, lambda k: [])(key)
        for blob in [key, *values]:
            if blob and (CLIENT_IP.encode() in blob or b"UniqueAgentMarker" in blob):
                leaked.append(key)
    assert leaked == []


def test_counting_off_counts_nothing(settings):
    settings.ANALYTICS_ENABLED = False
    publish("alpha", "about")
    _visit("alpha.localhost", "/about/")
    assert counting.flush() == 0
    rollup("alpha")
    assert day_counts("alpha", Series.VIEW) == {}
