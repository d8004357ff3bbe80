"""JWT login, rotation, blacklist and the tenant claim, through the HTTP API."""

import time
from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from django.test import Client
from django_tenants.utils import tenant_context
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken

from api import auth as api_auth
from api import errors, services
from api.tests.utils import bearer, token_pair


def _decode(token):
    return jwt.decode(token, settings.SECRET_KEY, algorithms=["HS256"])


def test_login_gives_a_pair_carrying_the_tenant(client_a, editor_a):
    pair = token_pair(client_a, editor_a)
    assert _decode(pair["access"])["tenant"] == "alpha"
    assert _decode(pair["refresh"])["tenant"] == "alpha"
    assert _decode(pair["access"])["token_type"] == "access"


def test_access_token_lifetime_comes_from_settings(tokens_a):
    claims = _decode(tokens_a["access"])
    assert claims["exp"] - claims["iat"] == settings.JWT_ACCESS_MINUTES * 60


def test_wrong_password_is_401_problem(client_a, editor_a):
    response = client_a.post("/api/auth/token", {**editor_a, "password": "wrong"}, content_type="application/json")
    assert response.status_code == 401
    assert response["Content-Type"] == errors.PROBLEM_CONTENT_TYPE
    assert response.json() == {"detail": services.CREDENTIALS_INVALID, "errors": []}


def test_user_of_a_cannot_log_in_on_b(client_b, editor_a):
    response = client_b.post("/api/auth/token", editor_a, content_type="application/json")
    assert response.status_code == 401


def test_me_with_access_token(client_a, tokens_a, editor_a):
    response = client_a.get("/api/me", **bearer(tokens_a["access"]))
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "user"
    assert body["tenant"] == "alpha"
    assert body["username"] == editor_a["username"]


def test_me_without_credentials_is_401(client_a):
    response = client_a.get("/api/me")
    assert response.status_code == 401
    assert response.json()["detail"] == errors.UNAUTHORIZED
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_token_of_a_on_bs_host_is_401(client_b, tokens_a):
    response = client_b.get("/api/me", **bearer(tokens_a["access"]))
    assert response.status_code == 401
    assert response.json()["detail"] == api_auth.TOKEN_WRONG_TENANT


def test_token_without_tenant_claim_is_401(client_a, tenant_a, editor_a):
    """A plain simplejwt token (no tenant claim) is what this design refuses."""
    from django.contrib.auth import get_user_model

    with tenant_context(tenant_a):
        user = get_user_model().objects.get(username=editor_a["username"])
        token = str(AccessToken.for_user(user))
    assert client_a.get("/api/me", **bearer(token)).status_code == 401


def test_tampered_token_is_401(client_a, tokens_a):
    header, payload, signature = tokens_a["access"].split(".")
    claims = _decode(tokens_a["access"])
    claims["user_id"] = "999"
    forged_payload = jwt.encode(claims, "x" * 40, algorithm="HS256").split(".")[1]
    response = client_a.get("/api/me", **bearer(f"{header}.{forged_payload}.{signature}"))
    assert response.status_code == 401
    assert response.json()["detail"] == api_auth.TOKEN_INVALID


def test_token_signed_with_another_key_is_401(client_a, tokens_a):
    claims = _decode(tokens_a["access"])
    forged = jwt.encode(claims, "not-our-secret-key-at-all-0123456789", algorithm="HS256")
    assert client_a.get("/api/me", **bearer(forged)).status_code == 401


def test_expired_token_is_401(client_a, tokens_a):
    claims = _decode(tokens_a["access"])
    claims["exp"] = int(time.time()) - 1
    expired = jwt.encode(claims, settings.SECRET_KEY, algorithm="HS256")
    response = client_a.get("/api/me", **bearer(expired))
    assert response.status_code == 401
    assert response.json()["detail"] == api_auth.TOKEN_INVALID


def test_refresh_token_is_not_an_access_token(client_a, tokens_a):
    assert client_a.get("/api/me", **bearer(tokens_a["refresh"])).status_code == 401


def test_garbage_bearer_is_401(client_a):
    assert client_a.get("/api/me", HTTP_AUTHORIZATION="Bearer not.a.jwt").status_code == 401


def test_inactive_user_token_is_401(client_a, tenant_a, tokens_a, editor_a):
    from django.contrib.auth import get_user_model

    with tenant_context(tenant_a):
        get_user_model().objects.filter(username=editor_a["username"]).update(is_active=False)
    response = client_a.get("/api/me", **bearer(tokens_a["access"]))
    assert response.status_code == 401
    assert response.json()["detail"] == api_auth.TOKEN_USER_UNKNOWN


def test_session_cookie_does_not_stand_in_for_a_token(client_a, editor_a):
    client_a.post("/admin/login/?next=/admin/", editor_a)
    assert client_a.get("/admin/").status_code == 200  # logged in by cookie
    assert client_a.get("/api/me").status_code == 401


def test_refresh_rotates_and_blacklists_the_old_token(client_a, tenant_a, tokens_a):
    response = client_a.post("/api/auth/refresh", {"refresh": tokens_a["refresh"]}, content_type="application/json")
    assert response.status_code == 200
    new = response.json()
    assert new["refresh"] != tokens_a["refresh"]
    assert _decode(new["refresh"])["tenant"] == "alpha"
    assert client_a.get("/api/me", **bearer(new["access"])).status_code == 200
    with tenant_context(tenant_a):
        assert BlacklistedToken.objects.filter(token__jti=_decode(tokens_a["refresh"])["jti"]).exists()
    # the old refresh token is spent
    again = client_a.post("/api/auth/refresh", {"refresh": tokens_a["refresh"]}, content_type="application/json")
    assert again.status_code == 401
    assert again.json()["detail"] == services.REFRESH_INVALID


def test_refresh_of_a_on_b_is_401_and_writes_nothing(client_b, tenant_b, tokens_a):
    response = client_b.post("/api/auth/refresh", {"refresh": tokens_a["refresh"]}, content_type="application/json")
    assert response.status_code == 401
    with tenant_context(tenant_b):
        assert not BlacklistedToken.objects.exists()
        assert not OutstandingToken.objects.filter(jti=_decode(tokens_a["refresh"])["jti"]).exists()


def test_blacklists_live_in_each_tenants_schema(client_a, tenant_a, tenant_b, tokens_a):
    client_a.post("/api/auth/logout", {"refresh": tokens_a["refresh"]}, content_type="application/json")
    jti = _decode(tokens_a["refresh"])["jti"]
    with tenant_context(tenant_a):
        assert BlacklistedToken.objects.filter(token__jti=jti).exists()
    with tenant_context(tenant_b):
        assert not OutstandingToken.objects.filter(jti=jti).exists()


def test_logout_blacklists_the_refresh_token(client_a, tokens_a):
    response = client_a.post("/api/auth/logout", {"refresh": tokens_a["refresh"]}, content_type="application/json")
    assert response.status_code == 204
    refresh = client_a.post("/api/auth/refresh", {"refresh": tokens_a["refresh"]}, content_type="application/json")
    assert refresh.status_code == 401
    verify = client_a.post("/api/auth/verify", {"token": tokens_a["refresh"]}, content_type="application/json")
    assert verify.status_code == 401


def test_verify(client_a, client_b, tokens_a):
    ok = client_a.post("/api/auth/verify", {"token": tokens_a["access"]}, content_type="application/json")
    assert ok.status_code == 204
    other_site = client_b.post("/api/auth/verify", {"token": tokens_a["access"]}, content_type="application/json")
    assert other_site.status_code == 401
    bad = client_a.post("/api/auth/verify", {"token": "abc"}, content_type="application/json")
    assert bad.status_code == 401


def test_refresh_with_an_access_token_is_401(client_a, tokens_a):
    response = client_a.post("/api/auth/refresh", {"refresh": tokens_a["access"]}, content_type="application/json")
    assert response.status_code == 401


@pytest.mark.parametrize("body", [{}, {"username": "x"}, {"username": 1, "password": []}])
def test_login_with_missing_fields_is_422_with_loc(client_a, body):
    response = client_a.post("/api/auth/token", body, content_type="application/json")
    assert response.status_code == 422
    problem = response.json()
    assert problem["detail"] == errors.INVALID_INPUT
    assert all(error["loc"][0] == "body" and error["loc"][1] in ("username", "password") for error in problem["errors"])


def test_body_that_is_not_json_is_400(client_a):
    response = client_a.post("/api/auth/token", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == errors.PROBLEM_CONTENT_TYPE


def test_body_over_the_limit_is_413(client_a, editor_a, settings):
    settings.API_MAX_BODY_BYTES = 100
    response = client_a.post("/api/auth/token", {**editor_a, "padding": "x" * 200}, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["detail"] == errors.BODY_TOO_LARGE.format(limit=100)


def test_access_lifetime_from_env_is_respected_by_the_token_class():
    assert AccessToken.lifetime == timedelta(minutes=settings.JWT_ACCESS_MINUTES)


def test_a_second_client_without_cookies_sees_the_same_answer(tokens_a):
    """The token alone authenticates: no session, no CSRF token needed."""
    fresh = Client(HTTP_HOST="alpha.localhost", enforce_csrf_checks=True)
    assert fresh.get("/api/me", **bearer(tokens_a["access"])).status_code == 200


def test_unknown_api_path_is_a_problem_404(client_a):
    for method in ("get", "post", "delete"):
        response = getattr(client_a, method)("/api/no/such/thing")
        assert response.status_code == 404
        assert response["Content-Type"] == errors.PROBLEM_CONTENT_TYPE


def test_password_change_ends_api_sessions(client_a, tenant_a, tokens_a, editor_a):
    from django.contrib.auth import get_user_model

    with tenant_context(tenant_a):
        user = get_user_model().objects.get(username=editor_a["username"])
        user.set_password("a-brand-new-pass-5521")
        user.save()
    response = client_a.get("/api/me", **bearer(tokens_a["access"]))
    assert response.status_code == 401
    assert response.json()["detail"] == api_auth.TOKEN_PASSWORD_CHANGED
    refresh = client_a.post("/api/auth/refresh", {"refresh": tokens_a["refresh"]}, content_type="application/json")
    assert refresh.status_code == 401
