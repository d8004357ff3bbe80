"""Logout ends the session at once, and so do deactivating a user, changing their password
or deleting them, whoever does it: the access tokens are denied in Redis (per tenant), and
the check adds no SQL to an authenticated request."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from api.auth import TOKEN_REVOKED
from api.tests.utils import bearer, token_pair
from content.tests.utils import admin_login

JSON = "application/json"


def _me(client, access):
    return client.get("/api/me", **bearer(access))


def _logout(client, pair, *, with_access=True):
    headers = bearer(pair["access"]) if with_access else {}
    return client.post("/api/auth/logout", {"refresh": pair["refresh"]}, content_type=JSON, **headers)


def test_logout_revokes_the_access_token_at_once(client_a, editor_a, django_capture_on_commit_callbacks):
    pair = token_pair(client_a, editor_a)
    assert _me(client_a, pair["access"]).status_code == 200
    assert _logout(client_a, pair).status_code == 204
    response = _me(client_a, pair["access"])
    assert response.status_code == 401
    assert response.json()["detail"] == TOKEN_REVOKED
    assert client_a.post("/api/auth/verify", {"token": pair["access"]}, content_type=JSON).status_code == 401


def test_logout_with_the_refresh_token_alone_ends_every_access_token_of_the_session(client_a, editor_a):
    pair = token_pair(client_a, editor_a)
    rotated = client_a.post("/api/auth/refresh", {"refresh": pair["refresh"]}, content_type=JSON).json()
    assert _me(client_a, pair["access"]).status_code == 200  # minted before the rotation: same session
    other_login = token_pair(client_a, editor_a)
    assert _logout(client_a, rotated, with_access=False).status_code == 204
    assert _me(client_a, pair["access"]).status_code == 401
    assert _me(client_a, rotated["access"]).status_code == 401
    assert _me(client_a, other_login["access"]).status_code == 200  # another session goes on


def test_a_logout_on_a_does_not_revoke_tokens_on_b(client_a, client_b, editor_a, editor_b):
    pair_a, pair_b = token_pair(client_a, editor_a), token_pair(client_b, editor_b)
    # B's access token sent along with A's logout is not A's to revoke.
    response = client_a.post(
        "/api/auth/logout", {"refresh": pair_a["refresh"]}, content_type=JSON, **bearer(pair_b["access"])
    )
    assert response.status_code == 204
    assert _me(client_b, pair_b["access"]).status_code == 200
    assert _me(client_a, pair_a["access"]).status_code == 401


def test_deactivated_user_token_is_401_at_once(client_a, tenant_a, editor_a, django_capture_on_commit_callbacks):
    pair = token_pair(client_a, editor_a)
    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        user = get_user_model().objects.get(username=editor_a["username"])
        user.is_active = False
        user.save()
    response = _me(client_a, pair["access"])
    assert response.status_code == 401
    assert response.json()["detail"] == TOKEN_REVOKED  # denied in Redis, before the user row is read


def test_deactivating_in_the_admin_revokes_the_users_tokens(
    client_a, tenant_a, editor_a, django_capture_on_commit_callbacks
):
    with tenant_context(tenant_a):
        other = get_user_model().objects.create_user(username="writer@alpha.example", password="writer-pass-5512")
    pair = token_pair(client_a, {"username": "writer@alpha.example", "password": "writer-pass-5512"})
    admin_login(client_a, editor_a)
    form = {  # Django's user change form, "Active" unticked
        "username": other.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "last_login_0": "",
        "last_login_1": "",
    }
    with django_capture_on_commit_callbacks(execute=True):
        saved = client_a.post(f"/admin/auth/user/{other.pk}/change/", form)
    assert saved.status_code == 302, saved.content[:800]
    with tenant_context(tenant_a):
        assert not get_user_model().objects.get(pk=other.pk).is_active
    assert _me(client_a, pair["access"]).json()["detail"] == TOKEN_REVOKED


def test_password_change_revokes_in_redis_too(client_a, tenant_a, editor_a, django_capture_on_commit_callbacks):
    pair = token_pair(client_a, editor_a)
    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        user = get_user_model().objects.get(username=editor_a["username"])
        user.set_password("a-brand-new-pass-77")
        user.save()
    assert _me(client_a, pair["access"]).json()["detail"] == TOKEN_REVOKED
    fresh = token_pair(client_a, {"username": editor_a["username"], "password": "a-brand-new-pass-77"})
    assert _me(client_a, fresh["access"]).status_code == 200  # a new session is not caught by the old denial


def test_a_last_login_update_revokes_nothing(client_a, tenant_a, editor_a, django_capture_on_commit_callbacks):
    pair = token_pair(client_a, editor_a)
    with django_capture_on_commit_callbacks(execute=True):
        admin_login(client_a, editor_a)  # saves last_login
    assert _me(client_a, pair["access"]).status_code == 200


def test_revocation_check_adds_no_sql(client_a, editor_a):
    pair = token_pair(client_a, editor_a)
    _me(client_a, pair["access"])
    with CaptureQueriesContext(connection) as before:
        assert _me(client_a, pair["access"]).status_code == 200
    assert _logout(client_a, token_pair(client_a, editor_a)).status_code == 204  # the deny-list is not empty now
    with CaptureQueriesContext(connection) as after:
        assert _me(client_a, pair["access"]).status_code == 200
    assert [q["sql"] for q in after] == [q["sql"] for q in before]
    assert not any("token_blacklist" in q["sql"] for q in after)  # one Redis MGET instead


@pytest.mark.parametrize("scheme", ["Bearer garbage", "Api-Key x.y", ""])
def test_logout_without_a_usable_access_token_still_ends_the_session(client_a, editor_a, scheme):
    pair = token_pair(client_a, editor_a)
    headers = {"HTTP_AUTHORIZATION": scheme} if scheme else {}
    response = client_a.post("/api/auth/logout", {"refresh": pair["refresh"]}, content_type=JSON, **headers)
    assert response.status_code == 204
    assert _me(client_a, pair["access"]).status_code == 401
