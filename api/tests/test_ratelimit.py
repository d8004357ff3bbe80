"""Rate limits per user, per key and per IP: 429 with Retry-After, counted per tenant."""

import pytest

from api import errors
from api.tests.utils import api_key_header, bearer, token_pair
from api.throttles import rate_parse

JSON = "application/json"


def _me(client, credentials):
    return client.get("/api/me", **credentials)


def _assert_throttled(response):
    assert response.status_code == 429
    assert response["Content-Type"] == errors.PROBLEM_CONTENT_TYPE
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert response.json()["detail"].startswith("Too many requests")


def test_user_limit(client_a, tokens_a, settings):
    settings.API_RATE_LIMIT_USER = "3/h"
    for _ in range(3):
        assert _me(client_a, bearer(tokens_a["access"])).status_code == 200
    _assert_throttled(_me(client_a, bearer(tokens_a["access"])))


def test_users_are_counted_apart(client_a, tokens_a, viewer_a, settings):
    settings.API_RATE_LIMIT_USER = "2/h"
    for _ in range(3):
        _me(client_a, bearer(tokens_a["access"]))
    viewer = token_pair(client_a, viewer_a)["access"]
    assert _me(client_a, bearer(viewer)).status_code == 200


def test_key_limit(client_a, tenant_a, key_factory, settings):
    settings.API_RATE_LIMIT_KEY = "2/h"
    key = api_key_header(key_factory(tenant_a, ["pages:read"]))
    assert _me(client_a, key).status_code == 200
    assert _me(client_a, key).status_code == 200
    _assert_throttled(_me(client_a, key))
    other = api_key_header(key_factory(tenant_a, ["pages:read"], name="other"))
    assert _me(client_a, other).status_code == 200


def test_ip_limit_on_login(client_a, editor_a, settings):
    settings.API_RATE_LIMIT_ANON = "2/h"
    for _ in range(2):
        client_a.post("/api/auth/token", {**editor_a, "password": "guess"}, content_type=JSON)
    _assert_throttled(client_a.post("/api/auth/token", editor_a, content_type=JSON))
    # another address is not affected
    other_ip = client_a.post("/api/auth/token", editor_a, content_type=JSON, REMOTE_ADDR="10.0.0.9")
    assert other_ip.status_code == 200


def test_counts_are_per_tenant(client_a, client_b, editor_a, editor_b, settings):
    """Same IP, same counter name: tenant A's exhausted limit leaves tenant B alone."""
    settings.API_RATE_LIMIT_ANON = "1/h"
    client_a.post("/api/auth/token", editor_a, content_type=JSON)
    _assert_throttled(client_a.post("/api/auth/token", editor_a, content_type=JSON))
    assert client_b.post("/api/auth/token", editor_b, content_type=JSON).status_code == 200


@pytest.mark.parametrize(
    "rate,parsed", [("10/s", (10, 1)), ("600/m", (600, 60)), ("5/2h", (5, 7200)), ("1/d", (1, 86400))]
)
def test_rate_parse(rate, parsed):
    assert rate_parse(rate) == parsed


@pytest.mark.parametrize("rate", ["10", "x/m", "10/w", "10/"])
def test_bad_rate_names_the_format(rate):
    with pytest.raises(ValueError, match="count>/<period>"):
        rate_parse(rate)
