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
