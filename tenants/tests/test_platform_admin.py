import pytest
from django.contrib.auth import get_user_model
from django_tenants.utils import schema_exists

from tenants import services
from tenants.models import Domain, Tenant


@pytest.fixture
def platform_admin(public_client):
    get_user_model().objects.create_superuser("root", "root@platform.example", "platform-root-pass")
    public_client.login(username="root", password="platform-root-pass")
    return public_client


def test_platform_admin_provisions_a_tenant(platform_admin):
    response = platform_admin.post("/admin/tenants/tenant/add/", {"schema_name": "kappa", "name": "Kappa Kites"})
    assert response.status_code == 302, response.text
    tenant = Tenant.objects.get(schema_name="kappa")
    assert tenant.name == "Kappa Kites" and tenant.state == Tenant.State.LIVE
    assert schema_exists("kappa")
    assert Domain.objects.get(tenant=tenant).domain == "kappa.localhost"


def test_platform_admin_shows_bad_name_as_a_form_error(platform_admin):
    tenants_before = Tenant.objects.count()
    response = platform_admin.post("/admin/tenants/tenant/add/", {"schema_name": "pg_evil", "name": "Evil"})
    assert response.status_code == 200
    assert services.SCHEMA_NAME_RESERVED.format(name="pg_evil").replace("'", "&#x27;") in response.text
    assert Tenant.objects.count() == tenants_before


def test_platform_admin_lists_only_customers(platform_admin):
    page = platform_admin.get("/admin/tenants/tenant/").text
    assert "alpha" in page and "beta" in page
    assert "tenant_template" not in page and "spare_" not in page


def test_tenant_editor_cannot_use_the_platform_admin(public_client, editor_a):
    assert not public_client.login(**editor_a)  # tenant users do not exist in the public schema
    assert public_client.get("/admin/").status_code == 302


def test_renamed_tenant_shows_its_new_name_on_the_next_request(
    platform_admin, tenant_a, client_a, django_capture_on_commit_callbacks
):
    assert "Alpha Bikes" in client_a.get("/").text  # now cached with the host
    with django_capture_on_commit_callbacks(execute=True):
        response = platform_admin.post(
            f"/admin/tenants/tenant/{tenant_a.pk}/change/", {"name": "Alpha Cycles", "_save": "Save"}
        )
    assert response.status_code == 302
    assert "Alpha Cycles" in client_a.get("/").text


def test_platform_admin_makes_a_domain_primary_and_the_old_one_not(platform_admin, tenant_a, tenant_b):
    """The admin's change form goes through services.domain_primary_set: one primary
    domain per tenant, and the other tenant's domains untouched."""
    added = services.domain_add(tenant=tenant_a, domain="shop.alpha.example")
    response = platform_admin.post(f"/admin/tenants/domain/{added.pk}/change/", {"is_primary": "on", "_save": "Save"})
    assert response.status_code == 302, response.text
    assert list(Domain.objects.filter(tenant=tenant_a, is_primary=True).values_list("domain", flat=True)) == [
        "shop.alpha.example"
    ]
    assert list(Domain.objects.filter(tenant=tenant_b).values_list("domain", "is_primary")) == [
        ("beta.localhost", True)
    ]


def test_domain_primary_set_keeps_one_primary_per_tenant(tenant_a, tenant_b):
    first = services.domain_add(tenant=tenant_a, domain="one.alpha.example", is_primary=True)
    second = services.domain_add(tenant=tenant_a, domain="two.alpha.example")
    services.domain_primary_set(domain=second)
    primaries = Domain.objects.filter(is_primary=True, tenant__in=[tenant_a, tenant_b])
    assert sorted(primaries.values_list("tenant__schema_name", "domain")) == [
        ("alpha", "two.alpha.example"),
        ("beta", "beta.localhost"),
    ]
    # The only primary domain cannot be left without a successor: it stays primary.
    services.domain_primary_set(domain=second, is_primary=False)
    assert list(Domain.objects.filter(tenant=tenant_a, is_primary=True)) == [second]
    services.domain_primary_set(domain=first)
    assert list(Domain.objects.filter(tenant=tenant_a, is_primary=True)) == [first]
    assert Domain.objects.get(domain="beta.localhost").is_primary
