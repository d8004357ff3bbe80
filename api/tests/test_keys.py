"""Partner API keys: stored hashed, scoped, expiring, revocable, bound to one tenant."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import tenant_context

from api import auth as api_auth
from api.models import ApiKey
from api.services import api_key_create, api_key_revoke
from api.tests.conftest import api_key_header


def test_key_is_stored_hashed_and_works_once_shown(client_a, tenant_a):
    with tenant_context(tenant_a):
        key, plain = api_key_create(name="partner", scopes=["pages:read"])
        prefix, secret = plain.split(".")
        stored = ApiKey.objects.get(pk=key.pk)
        assert stored.prefix == prefix
        assert secret not in stored.hashed_secret
        assert stored.hashed_secret == api_auth.api_key_digest(secret)
        assert stored.last_used_at is None
    response = client_a.get("/api/me", **api_key_header(plain))
    assert response.status_code == 200
    assert response.json() == {
        "kind": "api_key",
        "tenant": "alpha",
        "username": None,
        "email": None,
        "is_staff": False,
        "is_superuser": False,
        "permissions": [],
        "key_name": "partner",
        "scopes": ["pages:read"],
    }
    with tenant_context(tenant_a):
        assert ApiKey.objects.get(pk=key.pk).last_used_at is not None


def test_key_of_a_is_unknown_on_b(client_b, tenant_a, key_factory):
    plain = key_factory(tenant_a, ["pages:read"])
    response = client_b.get("/api/me", **api_key_header(plain))
    assert response.status_code == 401
    assert response.json()["detail"] == api_auth.KEY_INVALID


@pytest.mark.parametrize("mangle", [lambda k: k + "x", lambda k: "nope." + k.split(".")[1], lambda k: "garbage"])
def test_wrong_key_is_401(client_a, tenant_a, key_factory, mangle):
    plain = key_factory(tenant_a, ["pages:read"])
    assert client_a.get("/api/me", **api_key_header(mangle(plain))).status_code == 401


def test_revoked_key_is_401(client_a, tenant_a):
    with tenant_context(tenant_a):
        key, plain = api_key_create(name="partner", scopes=["pages:read"])
        api_key_revoke(key=key)
    assert client_a.get("/api/me", **api_key_header(plain)).status_code == 401


def test_expired_key_is_401(client_a, tenant_a):
    with tenant_context(tenant_a):
        key, plain = api_key_create(
            name="partner", scopes=["pages:read"], expires_at=timezone.now() + timedelta(seconds=60)
        )
        ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client_a.get("/api/me", **api_key_header(plain)).status_code == 401


def test_key_needs_a_known_scope_and_a_future_expiry(tenant_a):
    with tenant_context(tenant_a):
        with pytest.raises(ValidationError) as error:
            api_key_create(name="p", scopes=["pages:delete"], expires_at=timezone.now() - timedelta(days=1))
        assert set(error.value.message_dict) == {"scopes", "expires_at"}
        with pytest.raises(ValidationError):
            api_key_create(name="p", scopes=[])
        assert not ApiKey.objects.exists()


def test_unknown_scope_in_code_fails_at_import_time():
    with pytest.raises(ValueError, match="Unknown API key scope"):
        api_auth.ApiKeyAuth("pages:delete")
