"""Fixtures of the API tests: tokens and keys obtained through the API itself."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django_tenants.utils import tenant_context

VIEWER_PASSWORD = "viewer-pass-7781"


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def api_key_header(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Api-Key {key}"}


def token_pair(client, credentials) -> dict:
    response = client.post("/api/auth/token", credentials, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def tokens_a(client_a, editor_a):
    return token_pair(client_a, editor_a)


@pytest.fixture
def tokens_b(client_b, editor_b):
    return token_pair(client_b, editor_b)


def _user_with_perms(tenant, username, codenames):
    with tenant_context(tenant):
        user = get_user_model().objects.create_user(username=username, password=VIEWER_PASSWORD)
        user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return {"username": username, "password": VIEWER_PASSWORD}


@pytest.fixture
def plain_user_a(tenant_a):
    """A user of tenant A with no permission at all."""
    return _user_with_perms(tenant_a, "nobody@alpha.example", [])


@pytest.fixture
def viewer_a(tenant_a):
    """A user of tenant A who may view pages and nothing else."""
    return _user_with_perms(tenant_a, "viewer@alpha.example", ["view_page"])


@pytest.fixture
def key_factory():
    """Create API keys through the service, inside a tenant; returns the plain key."""
    from api.services import api_key_create

    def make(tenant, scopes, **kwargs):
        with tenant_context(tenant):
            key, plain = api_key_create(name=kwargs.pop("name", "partner"), scopes=scopes, **kwargs)
        return plain

    return make
