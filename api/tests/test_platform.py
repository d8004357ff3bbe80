"""The platform API on the public host: platform admins manage tenants and domains."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django_tenants.utils import schema_context

from api.routers.platform import PLATFORM_ADMIN_ONLY
from api.tests.utils import bearer, token_pair
from tenants.models import Domain, Tenant

JSON = "application/json"
ADMIN = {"username": "root@platform.example", "password": "platform-root-pass-1"}
STAFF = {"username": "staff@platform.example", "password": "platform-staff-pass-1"}


@pytest.fixture
def platform_tokens(public_client):
    with schema_context("public"):
        get_user_model().objects.create_superuser(username=ADMIN["username"], password=ADMIN["password"])
    return token_pair(public_client, ADMIN)


@pytest.fixture
def staff_tokens(public_client):
    with schema_context("public"):
        get_user_model().objects.create_user(username=STAFF["username"], password=STAFF["password"], is_staff=True)
    return token_pair(public_client, STAFF)


def test_platform_token_carries_public(platform_tokens):
    import jwt
    from django.conf import settings

    assert jwt.decode(platform_tokens["access"], settings.SECRET_KEY, algorithms=["HS256"])["tenant"] == "public"


def test_list_tenants(public_client, platform_tokens):
    response = public_client.get("/api/tenants", **bearer(platform_tokens["access"]))
    assert response.status_code == 200
    names = [t["name"] for t in response.json()]
    assert "alpha" in names and "beta" in names
    assert not any(name.startswith(("spare_", "tenant_template")) or name == "public" for name in names)
    alpha = next(t for t in response.json() if t["name"] == "alpha")
    assert alpha["domains"] == [{"domain": "alpha.localhost", "is_primary": True}]


def test_provision_deactivate_and_domains(public_client, platform_tokens):
    auth = bearer(platform_tokens["access"])
    created = public_client.post(
        "/api/tenants",
        {
            "name": "gamma",
            "display_name": "Gamma Gym",
            "admin_email": "boss@gamma.example",
            "admin_password": "gamma-pass-991",
        },
        content_type=JSON,
        **auth,
    )
    assert created.status_code == 201, created.content
    assert created.json()["domains"] == [{"domain": "gamma.localhost", "is_primary": True}]
    with schema_context("gamma"):
        assert get_user_model().objects.filter(username="boss@gamma.example", is_superuser=True).exists()
    connection.set_schema_to_public()

    added = public_client.post("/api/tenants/gamma/domains", {"domain": "Gym.Example"}, content_type=JSON, **auth)
    assert added.status_code == 201
    assert added.json() == {"domain": "gym.example", "is_primary": False}
    taken = public_client.post("/api/tenants/gamma/domains", {"domain": "alpha.localhost"}, content_type=JSON, **auth)
    assert taken.status_code == 422
    assert taken.json()["errors"][0]["loc"] == ["body", "domain"]

    assert public_client.delete("/api/tenants/gamma/domains/gym.example", **auth).status_code == 204
    assert not Domain.objects.filter(domain="gym.example").exists()

    deactivated = public_client.post("/api/tenants/gamma/deactivate", **auth)
    assert deactivated.status_code == 200
    assert deactivated.json()["is_active"] is False
    assert Tenant.objects.get(schema_name="gamma").is_active is False


@pytest.mark.parametrize(
    "body,loc",
    [
        ({"name": "Bad Name"}, ["body", "name"]),
        ({"name": "alpha"}, ["body", "name"]),
        ({"name": "delta", "domains": ["alpha.localhost"]}, ["body", "domains"]),
        ({"name": "delta", "admin_email": "a@delta.example"}, ["body", "admin_email"]),
        ({"name": "delta", "admin_email": "a@delta.example", "admin_password": "123"}, ["body", "admin_password"]),
    ],
)
def test_bad_provisioning_is_422_on_the_field_and_writes_nothing(public_client, platform_tokens, body, loc):
    before = set(Tenant.objects.values_list("schema_name", flat=True))
    response = public_client.post("/api/tenants", body, content_type=JSON, **bearer(platform_tokens["access"]))
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["loc"] == loc
    assert set(Tenant.objects.values_list("schema_name", flat=True)) == before


def test_unknown_tenant_is_404(public_client, platform_tokens):
    assert public_client.post("/api/tenants/nope/deactivate", **bearer(platform_tokens["access"])).status_code == 404


def test_non_superuser_is_403(public_client, staff_tokens):
    response = public_client.get("/api/tenants", **bearer(staff_tokens["access"]))
    assert response.status_code == 403
    assert response.json()["detail"] == PLATFORM_ADMIN_ONLY


def test_tenant_token_is_refused_on_the_platform(public_client, client_a, editor_a):
    tenant_token = token_pair(client_a, editor_a)["access"]
    assert public_client.get("/api/tenants", **bearer(tenant_token)).status_code == 401


def test_platform_token_is_refused_on_tenant_hosts(client_a, platform_tokens):
    assert client_a.get("/api/me", **bearer(platform_tokens["access"])).status_code == 401


def test_tenant_editor_cannot_log_in_on_the_platform(public_client, editor_a):
    response = public_client.post("/api/auth/token", editor_a, content_type=JSON)
    assert response.status_code == 401


def test_platform_refresh_and_logout_use_the_public_blacklist(public_client, platform_tokens):
    rotated = public_client.post("/api/auth/refresh", {"refresh": platform_tokens["refresh"]}, content_type=JSON)
    assert rotated.status_code == 200
    assert (
        public_client.post("/api/auth/refresh", {"refresh": platform_tokens["refresh"]}, content_type=JSON).status_code
        == 401
    )
    new = rotated.json()
    assert public_client.post("/api/auth/logout", {"refresh": new["refresh"]}, content_type=JSON).status_code == 204
    assert public_client.post("/api/auth/refresh", {"refresh": new["refresh"]}, content_type=JSON).status_code == 401


def test_platform_docs_are_served(public_client):
    assert public_client.get("/api/openapi.json").json()["info"]["title"] == "Platform API"
