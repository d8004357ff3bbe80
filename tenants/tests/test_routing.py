from tenants import services


def test_tenant_host_serves_that_tenant(client_a, client_b):
    assert "Alpha Bikes" in client_a.get("/").text
    assert "Beta Bakery" in client_b.get("/").text
    assert "Alpha Bikes" not in client_b.get("/").text


def test_unknown_host_gets_a_clear_404_page(db, client):
    response = client.get("/", HTTP_HOST="nobody.localhost")
    assert response.status_code == 404
    assert "No site is served at" in response.text
    assert "nobody.localhost" in response.text


def test_custom_domain_routes_to_its_tenant(tenant_a, client, django_capture_on_commit_callbacks):
    assert client.get("/", HTTP_HOST="alpha-shop.test").status_code == 404
    # The 404 above was cached; adding the domain must invalidate it.
    with django_capture_on_commit_callbacks(execute=True):
        services.domain_add(tenant=tenant_a, domain="alpha-shop.test")
    response = client.get("/", HTTP_HOST="alpha-shop.test")
    assert response.status_code == 200
    assert "Alpha Bikes" in response.text
    # django-tenants strips a leading "www.", so both spellings reach the tenant.
    assert "Alpha Bikes" in client.get("/", HTTP_HOST="www.alpha-shop.test").text


def test_removed_domain_stops_routing(tenant_a, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        domain = services.domain_add(tenant=tenant_a, domain="old.alpha.test")
    assert client.get("/", HTTP_HOST="old.alpha.test").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        services.domain_remove(domain=domain)
    assert client.get("/", HTTP_HOST="old.alpha.test").status_code == 404


def test_deactivated_tenant_is_not_served(tenant_a, client_a, django_capture_on_commit_callbacks):
    assert client_a.get("/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        services.tenant_deactivate(tenant=tenant_a)
    assert client_a.get("/").status_code == 404


def test_host_lookup_is_cached_so_a_hit_costs_no_query(client_a, django_assert_num_queries):
    # robots.txt: a tenant URL whose view needs no SQL (the home page now reads a Page row)
    with django_assert_num_queries(2) as ctx:  # SET search_path, then the domain lookup
        client_a.get("/robots.txt")
    assert "tenants_domain" in ctx.captured_queries[-1]["sql"]
    with django_assert_num_queries(0):
        client_a.get("/robots.txt")


def test_host_is_matched_case_insensitively_and_without_port(db, client):
    response = client.get("/", HTTP_HOST="ALPHA.localhost:8000")
    assert response.status_code == 200


def test_public_host_serves_the_platform(public_client):
    assert public_client.get("/").status_code == 200
    assert public_client.get("/admin/login/").status_code == 200


def test_other_processes_see_a_domain_change_within_the_local_ttl(tenant_a, client, settings):
    """The per-process layer: a change made elsewhere (Redis entry dropped by another
    process's service) is seen here once DOMAIN_LOCAL_CACHE_SECONDS have passed."""
    import time

    from django.core.cache import cache
    from django_tenants.utils import schema_context

    from tenants.models import Domain
    from tenants.routing import _key

    settings.DOMAIN_LOCAL_CACHE_SECONDS = 0.3
    assert client.get("/", HTTP_HOST="alpha.localhost").status_code == 200
    # Another process removes the domain: database row and shared entry, not our layer.
    Domain.objects.filter(domain="alpha.localhost").delete()
    with schema_context("public"):
        cache.delete(_key("alpha.localhost"))
    assert client.get("/", HTTP_HOST="alpha.localhost").status_code == 200  # within the TTL
    time.sleep(0.35)
    assert client.get("/", HTTP_HOST="alpha.localhost").status_code == 404


def test_unknown_host_answers_api_clients_with_a_problem(db, client):
    from tenants.views import HOST_UNKNOWN

    response = client.get("/api/pages", HTTP_HOST="nobody.example")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == HOST_UNKNOWN
