"""Partner API keys: stored hashed, scoped, expiring, revocable, bound to one tenant."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import tenant_context

from api import auth as api_auth
from api.models import ApiKey
from api.services import api_key_create, api_key_revoke
from api.tests.utils import api_key_header, bearer


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


# --- keys API (admins) -------------------------------------------------------------


def test_admin_creates_lists_and_revokes_a_key_by_api(client_a, tenant_a, tokens_a):
    from api.tests.utils import bearer

    created = client_a.post(
        "/api/keys",
        {"name": "shop", "scopes": ["pages:read"]},
        content_type="application/json",
        **bearer(tokens_a["access"]),
    )
    assert created.status_code == 201
    body = created.json()
    assert body["key"].startswith(body["prefix"] + ".")
    assert body["created_by"] == "editor@alpha.example"
    assert client_a.get("/api/me", **api_key_header(body["key"])).status_code == 200

    listed = client_a.get("/api/keys", **bearer(tokens_a["access"])).json()
    assert [k["prefix"] for k in listed] == [body["prefix"]]
    assert "key" not in listed[0]  # shown once, at creation

    revoked = client_a.post(f"/api/keys/{body['id']}/revoke", **bearer(tokens_a["access"]))
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert client_a.get("/api/me", **api_key_header(body["key"])).status_code == 401


def test_bad_key_request_is_422_and_writes_nothing(client_a, tenant_a, tokens_a):
    from api.tests.utils import bearer

    response = client_a.post(
        "/api/keys",
        {"name": "x", "scopes": ["pages:delete"]},
        content_type="application/json",
        **bearer(tokens_a["access"]),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][:2] == ["body", "scopes"]
    past = client_a.post(
        "/api/keys",
        {"name": "x", "scopes": ["pages:read"], "expires_at": "2001-01-01T00:00:00Z"},
        content_type="application/json",
        **bearer(tokens_a["access"]),
    )
    assert past.status_code == 422
    assert past.json()["errors"] == [
        {"loc": ["body", "expires_at"], "msg": "The expiry date is in the past.", "type": "invalid"}
    ]
    with tenant_context(tenant_a):
        assert not ApiKey.objects.exists()


def test_non_admin_cannot_manage_keys_nor_can_a_key(client_a, tenant_a, viewer_a, key_factory):
    from api.tests.utils import bearer, token_pair

    viewer = token_pair(client_a, viewer_a)["access"]
    assert client_a.get("/api/keys", **bearer(viewer)).status_code == 403
    denied = client_a.post(
        "/api/keys", {"name": "x", "scopes": ["pages:read"]}, content_type="application/json", **bearer(viewer)
    )
    assert denied.status_code == 403
    key = api_key_header(key_factory(tenant_a, ["pages:write"]))
    assert client_a.get("/api/keys", **key).status_code == 401
    with tenant_context(tenant_a):
        assert ApiKey.objects.count() == 1


def test_keys_of_a_are_not_listed_on_b(client_a, client_b, tenant_a, tokens_b, key_factory):
    from api.tests.utils import bearer

    key_factory(tenant_a, ["pages:read"])
    assert client_b.get("/api/keys", **bearer(tokens_b["access"])).json() == []


# --- keys in the tenant admin ----------------------------------------------------------


def test_key_created_in_admin_is_shown_once_and_works(client_a, tenant_a, editor_a):
    from api.admin import KEY_CREATED

    client_a.post("/admin/login/?next=/admin/", editor_a)
    response = client_a.post(
        "/admin/api/apikey/add/", {"name": "partner", "scopes": ["pages:read", "search:read"]}, follow=True
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"] if str(m).startswith(KEY_CREATED.split("{")[0])]
    assert len(shown) == 1
    plain = shown[0].rsplit(" ", 1)[1]
    with tenant_context(tenant_a):
        key = ApiKey.objects.get()
        assert key.scopes == ["pages:read", "search:read"]
        assert plain.split(".")[1] not in key.hashed_secret
    assert client_a.get("/api/me", **api_key_header(plain)).json()["key_name"] == "partner"
    # the change page shows the prefix, never the key
    page = client_a.get(f"/admin/api/apikey/{key.pk}/change/")
    assert key.prefix in page.text
    assert plain not in page.text


def test_admin_form_refuses_bad_keys_and_writes_nothing(client_a, tenant_a, editor_a):
    from api.services import EXPIRY_IN_PAST

    client_a.post("/admin/login/?next=/admin/", editor_a)
    response = client_a.post(
        "/admin/api/apikey/add/",
        {"name": "partner", "scopes": ["pages:read"], "expires_at_0": "2001-01-01", "expires_at_1": "00:00:00"},
    )
    assert response.status_code == 200
    assert EXPIRY_IN_PAST in response.text
    with tenant_context(tenant_a):
        assert not ApiKey.objects.exists()


def test_admin_revoke_action(client_a, tenant_a, editor_a, key_factory):
    plain = key_factory(tenant_a, ["pages:read"])
    with tenant_context(tenant_a):
        key = ApiKey.objects.get()
    client_a.post("/admin/login/?next=/admin/", editor_a)
    client_a.post("/admin/api/apikey/", {"action": "revoke", "_selected_action": [key.pk]})
    assert client_a.get("/api/me", **api_key_header(plain)).status_code == 401


def test_an_expiry_with_any_utc_offset_is_stored_in_utc(client_a, tenant_a, tokens_a):
    # -22:29 is valid ISO 8601 but beyond PostgreSQL's +-15:59: it was a 500.
    response = client_a.post(
        "/api/keys",
        {"name": "far", "scopes": ["pages:read"], "expires_at": "3824-03-31T04:24:53-22:29"},
        content_type="application/json",
        **bearer(tokens_a["access"]),
    )
    assert response.status_code == 201, response.content
    with tenant_context(tenant_a):
        stored = ApiKey.objects.get(name="far").expires_at
    assert stored == datetime(3824, 4, 1, 2, 53, 53, tzinfo=UTC)
