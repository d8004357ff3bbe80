"""Cached pages replayed in front of Django's handler (content.replay), through the WSGI
application the web servers load (config.wsgi), with two tenants. Django's
`request_started` signal tells whether Django handled a request."""

from django_tenants.utils import tenant_context

from config.testing import TENANT_A, TENANT_B
from content import services
from content.cache import GENERATION_KEY
from content.tests.utils import page_published, redis_calls


def _quote(text: str) -> list[dict]:
    return [{"type": "quote", "text": text}]


def test_a_cache_hit_is_replayed_without_django_as_django_answered_it(tenant_a, tenant_b, wsgi):
    page_published(tenant_a, slug="replayed", title="Replayed", blocks=_quote("alpha words"))
    page_published(tenant_b, slug="replayed", title="Replayed", blocks=_quote("beta words"))
    alpha, beta = TENANT_A[2], TENANT_B[2]
    for host in (alpha, beta):
        assert wsgi(host, "/replayed/")[3]  # rendered by Django and cached
    served = {host: wsgi(host, "/replayed/") for host in (alpha, beta)}  # Django's cache hits
    assert all(handled for *_, handled in served.values())

    for host, words, other in ((alpha, "alpha words", "beta words"), (beta, "beta words", "alpha words")):
        before = redis_calls()
        status, headers, body, handled = wsgi(host, "/replayed/?utm_source=x")
        assert not handled and redis_calls() - before == 1  # the generation GET, nothing else
        assert (status, headers, body) == served[host][:3]
        assert words in body and other not in body
        assert headers["X-Frame-Options"] == "DENY" and "ETag" in headers


def test_a_publish_is_on_the_next_request(tenant_a, tenant_b, wsgi, django_capture_on_commit_callbacks):
    page = page_published(tenant_a, slug="changes", title="Changes", blocks=_quote("first words"))
    page_published(tenant_b, slug="changes", title="Changes", blocks=_quote("beta stays"))
    for _ in range(3):
        for host in (TENANT_A[2], TENANT_B[2]):
            wsgi(host, "/changes/")
    assert not wsgi(TENANT_A[2], "/changes/")[3]

    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        services.page_update(page=page, user=None, blocks=_quote("second words"))
        services.page_publish(page=page, user=None)
    _, _, body, handled = wsgi(TENANT_A[2], "/changes/")
    assert handled and "second words" in body and "first words" not in body
    # The other tenant's pages were not invalidated: still replayed.
    _, _, body, handled = wsgi(TENANT_B[2], "/changes/")
    assert not handled and "beta stays" in body


def test_sessions_conditional_requests_and_other_methods_go_to_django(tenant_a, wsgi, settings):
    page_published(tenant_a, slug="plain", title="Plain", blocks=_quote("plain words"))
    host = TENANT_A[2]
    for _ in range(3):
        status, headers, _, _ = wsgi(host, "/plain/")
    assert not wsgi(host, "/plain/")[3]

    cookie = f"{settings.SESSION_COOKIE_NAME}=abc"
    assert wsgi(host, "/plain/", HTTP_COOKIE=cookie)[3]
    status, _, body, handled = wsgi(host, "/plain/", HTTP_IF_NONE_MATCH=headers["ETag"])
    assert handled and status.startswith("304") and body == ""
    assert wsgi(host, "/plain/", REQUEST_METHOD="HEAD")[3]

    settings.CONTENT_PAGE_REPLAY = False
    assert wsgi(host, "/plain/")[3]


def test_a_host_change_sends_the_next_request_to_django(tenant_a, wsgi):
    """A rename, a deactivation or a domain moved clears the host's entry (tenants.routing):
    the replayed answer was tied to that entry, so Django answers (and routes) again."""
    from tenants.models import Tenant
    from tenants.routing import hostname_cache_clear

    page_published(tenant_a, slug="named", title="Named", blocks=_quote("named words"))
    host = TENANT_A[2]
    for _ in range(3):
        wsgi(host, "/named/")
    assert not wsgi(host, "/named/")[3]

    Tenant.objects.filter(pk=tenant_a.pk).update(is_active=False)
    hostname_cache_clear([host])  # what the tenants app does on a change
    status, _, body, handled = wsgi(host, "/named/")
    assert handled and status.startswith("404") and "named words" not in body


def test_a_flushed_generation_sends_the_next_request_to_django(tenant_a, wsgi):
    """No generation to compare with (a flushed Redis): the replay never guesses. (Redis
    stopped is the same path, a RedisError: config/tests/test_outages.py stops the real
    server under a web server.)"""
    page_published(tenant_a, slug="outage", title="Outage", blocks=_quote("outage words"))
    host = TENANT_A[2]
    for _ in range(3):
        wsgi(host, "/outage/")
    assert not wsgi(host, "/outage/")[3]
    from django.core.cache import cache

    with tenant_context(tenant_a):
        cache.delete(GENERATION_KEY)
    _, _, body, handled = wsgi(host, "/outage/")
    assert handled and "outage words" in body
