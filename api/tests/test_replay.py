"""The published page by API key replayed in front of Django (api.replay in content.replay's
layer), through the WSGI application the web servers load (config.wsgi), with two tenants.
Django's `request_started` signal tells whether Django handled a request (the `wsgi`
fixture's last value)."""

import json
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from api.models import ApiKey
from api.services import api_key_create, api_key_revoke
from api.throttles import KeyThrottle
from config import services as embedded
from config.testing import TENANT_A, TENANT_B
from content import services
from content.tests.utils import page_published

ALPHA, BETA = TENANT_A[2], TENANT_B[2]
PATH = "/api/published/pages/menu"


def _paragraph(text: str) -> list[dict]:
    return [{"type": "paragraph", "html": f"<p>{text}</p>"}]


@pytest.fixture
def pages(tenant_a, tenant_b):
    """The page `menu` published in both tenants, each with its own words."""
    return {
        ALPHA: page_published(tenant_a, slug="menu", title="Menu", blocks=_paragraph("alpha espresso")),
        BETA: page_published(tenant_b, slug="menu", title="Menu", blocks=_paragraph("beta rye")),
    }


def _auth(plain: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Api-Key {plain}"}


def _key(plain: str, tenant) -> ApiKey:
    with tenant_context(tenant):
        return ApiKey.objects.get(prefix=plain.split(".")[0])


def _warm(wsgi, host: str, plain: str, path: str = PATH):
    """Django renders and caches the JSON, Django answers from the cache (the answer is
    kept), then the layer replays it; returns the replayed answer."""
    first = wsgi(host, path, **_auth(plain))
    assert first[0].startswith("200") and first[3], first
    kept = wsgi(host, path, **_auth(plain))
    assert kept[3] and kept[:3] == first[:3]
    replayed = wsgi(host, path, **_auth(plain))
    assert not replayed[3], "the third request should be replayed"
    assert replayed[:3] == kept[:3]
    return replayed


def test_a_key_read_is_replayed_as_django_answered_it_no_sql_one_redis_round_trip(
    pages, key_factory, tenant_a, tenant_b, wsgi, settings, django_assert_max_num_queries, redis_round_trips
):
    settings.ANALYTICS_ENABLED = False  # its flusher thread would share the round-trip count
    plain_a = key_factory(tenant_a, ["pages:read"])
    plain_b = key_factory(tenant_b, ["pages:read"])
    for host, plain, words, other in (
        (ALPHA, plain_a, "alpha espresso", "beta rye"),
        (BETA, plain_b, "beta rye", "alpha espresso"),
    ):
        status, headers, body, _ = _warm(wsgi, host, plain)
        redis_round_trips.clear()
        with django_assert_max_num_queries(0):
            replayed = wsgi(host, PATH, **_auth(plain))
        assert not replayed[3] and replayed[:3] == (status, headers, body)
        assert len(redis_round_trips) == 1  # key state + generation + JSON, counter, marker: one pipeline
        assert json.loads(body)["blocks"][0]["html"] == f"<p>{words}</p>" and other not in body
        assert headers["Content-Type"] == "application/json; charset=utf-8"
        assert headers["X-Frame-Options"] == "DENY" and headers["Content-Length"] == str(len(body.encode()))


def test_another_key_a_jwt_or_another_tenants_key_is_never_given_the_kept_answer(
    pages, key_factory, tenant_a, tenant_b, wsgi, client_a, editor_a
):
    from api.tests.utils import bearer, token_pair

    plain_a = key_factory(tenant_a, ["pages:read"])
    plain_b = key_factory(tenant_b, ["pages:read"])
    _warm(wsgi, ALPHA, plain_a)
    _warm(wsgi, BETA, plain_b)
    # Beta's key on alpha's host: alpha knows no such key.
    status, headers, body, handled = wsgi(ALPHA, PATH, **_auth(plain_b))
    assert handled and status.startswith("401") and "rye" not in body and "espresso" not in body
    # A made-up secret with alpha's key's prefix.
    prefix = plain_a.split(".")[0]
    status, _, body, handled = wsgi(ALPHA, PATH, **_auth(f"{prefix}.not-the-secret"))
    assert handled and status.startswith("401") and "espresso" not in body
    # A JWT of alpha: Django answers (never replayed), with the same document.
    access = token_pair(client_a, editor_a)["access"]
    for _ in range(3):
        status, _, body, handled = wsgi(ALPHA, PATH, HTTP_AUTHORIZATION=bearer(access)["HTTP_AUTHORIZATION"])
        assert handled and status.startswith("200") and "alpha espresso" in body
    # A query string, a conditional request, a session cookie, another method: Django's.
    assert wsgi(ALPHA, PATH + "?x=1", **_auth(plain_a))[3]
    assert wsgi(ALPHA, PATH, HTTP_IF_NONE_MATCH='"x"', **_auth(plain_a))[3]
    assert wsgi(ALPHA, PATH, HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}=abc", **_auth(plain_a))[3]
    assert wsgi(ALPHA, PATH, REQUEST_METHOD="HEAD", **_auth(plain_a))[3]
    assert not wsgi(ALPHA, PATH, **_auth(plain_a))[3]  # the plain call is still replayed


def test_a_revoked_key_is_refused_on_the_next_request(pages, key_factory, tenant_a, tenant_b, wsgi):
    plain_a = key_factory(tenant_a, ["pages:read"])
    plain_b = key_factory(tenant_b, ["pages:read"])
    _warm(wsgi, ALPHA, plain_a)
    _warm(wsgi, BETA, plain_b)
    with tenant_context(tenant_a):
        api_key_revoke(key=_key(plain_a, tenant_a))
    status, headers, body, handled = wsgi(ALPHA, PATH, **_auth(plain_a))
    assert handled and status.startswith("401") and "espresso" not in body
    assert headers["Content-Type"].startswith("application/problem+json")
    assert wsgi(ALPHA, PATH, **_auth(plain_a))[0].startswith("401")  # and stays refused
    assert not wsgi(BETA, PATH, **_auth(plain_b))[3]  # the other tenant's key is untouched


def test_a_key_whose_scope_was_removed_is_a_403(pages, key_factory, tenant_a, wsgi):
    plain = key_factory(tenant_a, ["pages:read", "pages:write"])
    _warm(wsgi, ALPHA, plain)
    key = _key(plain, tenant_a)
    with tenant_context(tenant_a):
        key.scopes = ["pages:write"]
        key.save(update_fields=["scopes"])
    status, _, body, handled = wsgi(ALPHA, PATH, **_auth(plain))
    assert handled and status.startswith("403") and "pages:read" in body and "espresso" not in body


def test_an_expired_key_is_refused_once_its_time_is_up(pages, tenant_a, wsgi):
    expires = timezone.now() + timedelta(seconds=3)
    with tenant_context(tenant_a):
        _, plain = api_key_create(name="short-lived", scopes=["pages:read"], expires_at=expires)
    _warm(wsgi, ALPHA, plain)
    time.sleep(max(0.0, (expires - timezone.now()).total_seconds()) + 0.1)
    status, _, body, handled = wsgi(ALPHA, PATH, **_auth(plain))
    assert handled and status.startswith("401") and "espresso" not in body


def test_a_publish_is_seen_on_the_next_request_and_only_in_its_tenant(
    pages, key_factory, tenant_a, tenant_b, wsgi, django_capture_on_commit_callbacks
):
    plain_a = key_factory(tenant_a, ["pages:read"])
    plain_b = key_factory(tenant_b, ["pages:read"])
    _warm(wsgi, ALPHA, plain_a)
    _warm(wsgi, BETA, plain_b)
    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        services.page_update(page=pages[ALPHA], user=None, blocks=_paragraph("alpha flat white"))
        services.page_publish(page=pages[ALPHA], user=None)
    status, _, body, handled = wsgi(ALPHA, PATH, **_auth(plain_a))
    assert handled and status.startswith("200") and "flat white" in body and "espresso" not in body
    assert wsgi(ALPHA, PATH, **_auth(plain_a))[3]  # Django again, answering from the new cached JSON
    status, _, body, handled = wsgi(ALPHA, PATH, **_auth(plain_a))
    assert not handled and "flat white" in body  # replayed: the new answer
    _, _, body, handled = wsgi(BETA, PATH, **_auth(plain_b))
    assert not handled and "beta rye" in body  # the other tenant's answer still stands


def test_an_unpublished_page_is_a_404_on_the_next_request(
    pages, key_factory, tenant_a, wsgi, django_capture_on_commit_callbacks
):
    plain = key_factory(tenant_a, ["pages:read"])
    _warm(wsgi, ALPHA, plain)
    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        services.page_unpublish(page=pages[ALPHA], user=None)
    status, _, body, handled = wsgi(ALPHA, PATH, **_auth(plain))
    assert handled and status.startswith("404") and "espresso" not in body


def _counter(tenant, prefix: str):
    with tenant_context(tenant):
        return cache.get(KeyThrottle().counter(prefix)[0])


def test_the_rate_limit_is_a_429_from_the_replay_path_counted_once(pages, key_factory, tenant_a, wsgi, settings):
    settings.API_RATE_LIMIT_KEY = "5/h"  # an hour's window: the test never straddles two
    plain = key_factory(tenant_a, ["pages:read"])
    prefix = plain.split(".")[0]
    _warm(wsgi, ALPHA, plain)  # 3 calls: Django, Django, replayed
    assert _counter(tenant_a, prefix) == 3
    with tenant_context(tenant_a):  # the window's counter expires (its TTL set when it was made)
        assert 0 < cache._cache.get_client().ttl(cache.make_key(KeyThrottle().counter(prefix)[0])) <= 3601
    for count in (4, 5):
        assert not wsgi(ALPHA, PATH, **_auth(plain))[3]  # replayed while within the limit
        assert _counter(tenant_a, prefix) == count
    for count in (6, 7):
        status, headers, body, handled = wsgi(ALPHA, PATH, **_auth(plain))
        assert handled and status.startswith("429") and "espresso" not in body
        assert 0 < int(headers["Retry-After"]) <= 3600
        assert _counter(tenant_a, prefix) == count  # the replay's count was Django's: once per call


def test_last_used_at_is_still_written_once_a_minute(pages, key_factory, tenant_a, wsgi):
    plain = key_factory(tenant_a, ["pages:read"])
    prefix = plain.split(".")[0]
    _warm(wsgi, ALPHA, plain)
    assert _key(plain, tenant_a).last_used_at is not None  # the first call of the minute (Django's)
    with tenant_context(tenant_a):
        ApiKey.objects.filter(prefix=prefix).update(last_used_at=None)
    assert not wsgi(ALPHA, PATH, **_auth(plain))[3]  # the marker is set: replayed, nothing to write
    assert _key(plain, tenant_a).last_used_at is None
    with tenant_context(tenant_a):
        cache.delete(f"api:key:used:{prefix}")  # a minute later: the marker expired
    status, _, _, handled = wsgi(ALPHA, PATH, **_auth(plain))
    assert handled and status.startswith("200")  # Django answers the first call of the minute ...
    assert _key(plain, tenant_a).last_used_at is not None  # ... and records it
    assert _counter(tenant_a, prefix) == 5  # counted once, though both the layer and Django saw it
    assert not wsgi(ALPHA, PATH, **_auth(plain))[3]


def test_replay_off_means_django_answers(pages, key_factory, tenant_a, wsgi, settings):
    plain = key_factory(tenant_a, ["pages:read"])
    _warm(wsgi, ALPHA, plain)
    settings.CONTENT_PAGE_REPLAY = False
    assert wsgi(ALPHA, PATH, **_auth(plain))[3]


def test_redis_stopped_django_answers_from_the_database(pages, key_factory, tenant_a, wsgi):
    """The real Redis stopped (as config/tests/test_outages.py stops it), then started."""
    plain = key_factory(tenant_a, ["pages:read"])
    _, _, body, _ = _warm(wsgi, ALPHA, plain)
    embedded.redis_stop(settings.DATA_DIR)
    try:
        for _ in range(2):
            status, _, during, handled = wsgi(ALPHA, PATH, **_auth(plain))
            assert handled and status.startswith("200") and during == body
        connection.set_schema_to_public()
    finally:
        embedded.redis_url(settings.DATA_DIR)
    handled = [wsgi(ALPHA, PATH, **_auth(plain))[3] for _ in range(4)]
    assert handled[-1] is False  # Redis back: replayed again (after Django kept a new answer)
