"""Brute force on the three logins (the API's token endpoint, the tenant admin, the platform
admin): the sixth wrong password in a row is a 429 with Retry-After, counts are per tenant,
per (IP, username) and per IP, a success clears the username's count, and Redis down
leaves logins working (not limited)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django_tenants.utils import schema_context, tenant_context

from config import services as embedded
from logins.limits import LOGIN_LOCKED

PROBLEM = "application/problem+json"
SAME_NAME = "shared@example.com"


def _token(client, username, password, ip="10.1.1.1"):
    return client.post(
        "/api/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
        REMOTE_ADDR=ip,
    )


def _admin_login(client, username, password, ip="10.1.1.1"):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def _assert_locked(response):
    assert response.status_code == 429, response.content[:300]
    assert 0 < int(response["Retry-After"]) <= settings.LOGIN_FAILURE_WINDOW_SECONDS


def test_sixth_wrong_password_on_the_token_endpoint_is_a_429(client_a, editor_a):
    for _ in range(5):
        assert _token(client_a, editor_a["username"], "wrong").status_code == 401
    locked = _token(client_a, editor_a["username"], editor_a["password"])  # even the right one
    _assert_locked(locked)
    assert locked["Content-Type"] == PROBLEM
    assert locked.json()["detail"] == LOGIN_LOCKED.format(minutes=15)
    assert _token(client_a, editor_a["username"], editor_a["password"], ip="10.2.2.2").status_code == 200


def test_sixth_wrong_password_on_the_tenant_admin_is_a_429_with_the_reason_on_the_form(client_a, editor_a):
    for _ in range(5):
        response = _admin_login(client_a, editor_a["username"], "wrong")
        assert response.status_code == 200 and "Please enter the correct" in response.text
    locked = _admin_login(client_a, editor_a["username"], editor_a["password"])
    _assert_locked(locked)
    assert "Too many failed logins" in locked.text
    assert "_auth_user_id" not in client_a.session


def test_sixth_wrong_password_on_the_platform_admin_is_a_429(public_client):
    with schema_context("public"):
        get_user_model().objects.create_superuser("root", "root@platform.example", "platform-root-pass")
    for _ in range(5):
        assert _admin_login(public_client, "root", "wrong").status_code == 200
    locked = _admin_login(public_client, "root", "platform-root-pass")
    _assert_locked(locked)
    assert "Too many failed logins" in locked.text
    assert _admin_login(public_client, "root", "platform-root-pass", ip="10.2.2.2").status_code == 302


def test_failures_on_one_tenant_do_not_lock_the_same_name_on_another(tenant_a, tenant_b, client_a, client_b):
    for tenant in (tenant_a, tenant_b):
        with tenant_context(tenant):
            get_user_model().objects.create_user(username=SAME_NAME, password="same-name-pass-41")
    for _ in range(5):
        _token(client_a, SAME_NAME, "wrong")
    _assert_locked(_token(client_a, SAME_NAME, "same-name-pass-41"))
    assert _token(client_b, SAME_NAME, "same-name-pass-41").status_code == 200


def test_a_success_clears_the_usernames_count_not_the_ips(client_a, editor_a, settings):
    settings.LOGIN_FAILURES_PER_IP = 12
    for _ in range(4):
        assert _token(client_a, editor_a["username"], "wrong").status_code == 401
    assert _token(client_a, editor_a["username"], editor_a["password"]).status_code == 200
    for _ in range(4):  # 4 more: 8 in a row would have locked the username
        assert _token(client_a, editor_a["username"], "wrong").status_code == 401
    assert _token(client_a, editor_a["username"], editor_a["password"]).status_code == 200
    # The IP's count went on: 8 so far, 4 more with other names reach 12.
    for n in range(4):
        assert _token(client_a, f"nobody{n}@alpha.example", "wrong").status_code == 401
    _assert_locked(_token(client_a, editor_a["username"], editor_a["password"]))


def test_many_usernames_from_one_ip_lock_that_ip(client_a, editor_a, settings):
    settings.LOGIN_FAILURES_PER_IP = 7
    for n in range(7):
        assert _token(client_a, f"spray{n}@alpha.example", "Summer2026!").status_code == 401
    _assert_locked(_token(client_a, editor_a["username"], editor_a["password"]))
    assert _token(client_a, editor_a["username"], editor_a["password"], ip="10.9.9.9").status_code == 200


def test_redis_down_leaves_logins_working(client_a, editor_a):
    client = Client(HTTP_HOST="alpha.localhost", raise_request_exception=False)
    embedded.redis_stop(settings.DATA_DIR)
    try:
        for _ in range(7):
            assert _token(client, editor_a["username"], "wrong").status_code == 401
        assert _token(client, editor_a["username"], editor_a["password"]).status_code == 200
        assert _admin_login(client, editor_a["username"], editor_a["password"]).status_code == 302
    finally:
        embedded.redis_url(settings.DATA_DIR)
