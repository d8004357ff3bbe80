"""The visitor's page path: HTML rendered at publish, one read per uncached page, the page
cache's per-process copies and their exact invalidation across processes and tenants."""

import urllib.request

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from config.testing import TENANT_A, TENANT_B, web_server_start
from content import services
from content.cache import page_cache_get, page_cache_invalidate, page_cache_key, page_cache_set
from content.models import Page
from content.rendering import fragments_version
from content.tests.utils import page_published, redis_calls

HEADING = {"type": "heading", "text": "Hello from alpha", "level": 2}
NAV = [{"label": "Home", "url": "/"}, {"label": "Moved", "url": "/moved/"}]


def test_an_uncached_visitor_page_is_one_read_of_html_rendered_at_publish(
    tenant_a, client_a, seed_page, settings, django_assert_max_num_queries
):
    settings.CONTENT_PAGE_CACHE = False
    page = page_published(tenant_a, slug="bench", title="Bench", blocks=seed_page["blocks"], nav=seed_page["nav"])
    assert page.published_html["version"] == fragments_version()
    client_a.get("/robots.txt")  # the host -> tenant entry, as on any running server
    for most in (2, 1):
        # The first request may set the connection's search_path (the set-up used the public
        # schema); the next one, same tenant, same connection, is the one read of the page alone.
        with django_assert_max_num_queries(most) as captured:
            assert client_a.get("/bench/").status_code == 200
        reads = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith("SET search_path")]
        assert len(reads) == 1 and "published_html" in reads[0] and "published_blocks" not in reads[0]

    # What visitors get is the stored HTML, not a rendering of the JSON.
    with tenant_context(tenant_a):
        stored = dict(Page.objects.get(pk=page.pk).published_html, blocks="<p>rendered at publish</p>")
        Page.objects.filter(pk=page.pk).update(published_html=stored)
    assert "<p>rendered at publish</p>" in client_a.get("/bench/").text


def test_html_of_another_release_is_not_used(tenant_a, client_a):
    page = page_published(tenant_a, slug="old", title="Old", blocks=[HEADING])
    with tenant_context(tenant_a):
        Page.objects.filter(pk=page.pk).update(published_html={"version": "older", "blocks": "STALE", "nav": ""})
    html = client_a.get("/old/").text
    assert "Hello from alpha" in html and "STALE" not in html


def test_a_moved_page_marks_its_new_address_in_the_menu(tenant_a, client_a):
    page = page_published(tenant_a, slug="first", title="First", blocks=[HEADING], nav=NAV)
    with tenant_context(tenant_a):
        services.page_update(page=page, user=None, slug="moved")
    html = client_a.get("/moved/").text
    assert '<a href="/moved/" aria-current="page">Moved</a>' in html


def test_a_cache_hit_is_one_redis_round_trip_and_no_sql(tenant_a, client_a, django_assert_num_queries):
    page_published(tenant_a, slug="hit", title="Hit", blocks=[HEADING])
    client_a.get("/hit/")  # rendered and cached
    other_process = Client(HTTP_HOST=TENANT_A[2])
    for client in (client_a, other_process):
        before = redis_calls()
        with django_assert_num_queries(0):
            assert "Hello from alpha" in client.get("/hit/").text
        assert redis_calls() - before == 1


def test_a_page_read_before_an_invalidation_is_not_cached_after_it(tenant_a, tenant_b):
    """A request that read the row just before a publish must not put the old HTML back
    once the publish dropped it (the store checks the tenant's generation)."""
    entry = {"tenant_name": "Alpha Bikes", "version": 1, "body": b"old", "etag": '"1"', "last_modified": 0}
    with tenant_context(tenant_a):
        _, generation = page_cache_get("race")
        page_cache_invalidate(schema_name=tenant_a.schema_name, slugs=["race"])  # a publish commits
        page_cache_set("race", entry, generation=generation)  # the slow reader stores its copy
        assert page_cache_get("race")[0] is None
        _, generation = page_cache_get("race")
        page_cache_set("race", entry, generation=generation)
        assert page_cache_get("race")[0]["body"] == b"old"
    with tenant_context(tenant_b):  # another tenant's generation and entries are its own
        assert page_cache_get("race")[0] is None


def test_an_entry_written_by_django_cache_is_a_miss(tenant_a, client_a):
    from django.core.cache import cache

    page_published(tenant_a, slug="shape", title="Shape", blocks=[HEADING])
    with tenant_context(tenant_a):
        cache.set(page_cache_key("shape"), {"body": b"pickled"})
        assert page_cache_get("shape")[0] is None
    assert "Hello from alpha" in client_a.get("/shape/").text


# --- two web processes ------------------------------------------------------------------

SLUG = "two-processes"


@pytest.fixture(scope="module")
def two_web_processes(django_db_setup, tmp_path_factory):
    """Two granian processes (one worker each) on the test database and Redis."""
    log_dir = tmp_path_factory.mktemp("two-web")
    servers = [web_server_start("granian", log_dir / f"web-{n}.log") for n in (1, 2)]
    yield [port for _, port in servers]
    for proc, _ in servers:
        proc.terminate()
        proc.wait(timeout=20)


def _get(port: int, host: str, path: str = f"/{SLUG}/") -> str:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (our test server)
        return response.read().decode()


def test_a_publish_in_one_process_is_on_the_next_request_of_every_other(two_web_processes, django_db_blocker):
    """Both processes serve from their own copies; a publish (committed here, a third
    process) is what the very next request of each shows, for its tenant only."""
    from tenants.models import Tenant

    with django_db_blocker.unblock():
        tenants = {spec[2]: Tenant.objects.get(schema_name=spec[0]) for spec in (TENANT_A, TENANT_B)}
        pages = {}
        for host, tenant in tenants.items():
            with tenant_context(tenant):
                Page.objects.filter(slug=SLUG).delete()
                page = services.page_create(
                    user=None, slug=SLUG, title="Two", blocks=[{"type": "quote", "text": f"{host} first"}]
                )
                pages[host] = services.page_publish(page=page, user=None)
        try:
            for _ in range(3):  # rendered, cached, then served from each process's copy
                for port in two_web_processes:
                    for host in tenants:
                        assert f"{host} first" in _get(port, host)

            alpha = TENANT_A[2]
            with tenant_context(tenants[alpha]):
                services.page_update(page=pages[alpha], user=None, blocks=[{"type": "quote", "text": "alpha second"}])
                services.page_publish(page=pages[alpha], user=None)
            for port in two_web_processes:
                html = _get(port, alpha)
                assert "alpha second" in html and f"{alpha} first" not in html
                assert f"{TENANT_B[2]} first" in _get(port, TENANT_B[2])
        finally:
            for host, tenant in tenants.items():
                with tenant_context(tenant):
                    services.page_delete(page=Page.objects.get(pk=pages[host].pk), user=None)
            connection.set_schema_to_public()


def test_pages_without_current_html_are_rendered_by_the_command_of_every_tenant(tenant_a, tenant_b, client_a):
    from django.core.management import call_command

    pages = {}
    for tenant, text in ((tenant_a, "Alpha kept"), (tenant_b, "Beta kept")):
        page = page_published(tenant, slug="legacy", title="Legacy", blocks=[{"type": "quote", "text": text}])
        with tenant_context(tenant):  # as rows from before the column, or of an older release
            Page.objects.filter(pk=page.pk).update(published_html={})
        pages[tenant.schema_name] = page
    assert "Alpha kept" in client_a.get("/legacy/").text  # rendered from the JSON meanwhile

    call_command("content_render")
    for tenant, text in ((tenant_a, "Alpha kept"), (tenant_b, "Beta kept")):
        with tenant_context(tenant):
            html = Page.objects.get(pk=pages[tenant.schema_name].pk).published_html
        assert html["version"] == fragments_version() and text in html["blocks"]
        with tenant_context(tenant):
            assert services.pages_html_refresh() == 0  # nothing left to do


def test_a_renamed_tenant_shows_its_new_name_with_the_cache_off(tenant_a, client_a, settings):
    from tenants.models import Tenant
    from tenants.routing import hostname_cache_clear

    settings.CONTENT_PAGE_CACHE = False
    page_published(tenant_a, slug="named", title="Named", blocks=[HEADING])
    assert "Alpha Bikes" in client_a.get("/named/").text
    Tenant.objects.filter(pk=tenant_a.pk).update(name="Alpha Cycles")
    hostname_cache_clear(["alpha.localhost"])  # what the tenants app does on a rename
    html = client_a.get("/named/").text
    assert "Alpha Cycles" in html and "Alpha Bikes" not in html


def test_an_invalidation_also_drops_the_entry_an_older_release_keeps(tenant_a):
    """During a rolling deploy, processes of the previous release still cache pages under
    their key (a pickled dict): a publish on the new release drops those too."""
    from django.core.cache import cache

    with tenant_context(tenant_a):
        cache.set("content:page:legacy", {"body": b"previous release"})
        page_cache_invalidate(schema_name=tenant_a.schema_name, slugs=["legacy"])
        assert cache.get("content:page:legacy") is None
