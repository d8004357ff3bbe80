"""Every answer under /api/ is problem+json: the API's own 4xx, Django's 404 and 405 for
what no operation serves, and a crash (500 "internal error" with a request id, the
traceback in the log under that id, never in the answer)."""

import logging

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from api.tests.utils import bearer
from config.errors import INTERNAL_ERROR
from content.models import Page

PROBLEM = "application/problem+json"


@pytest.fixture
def api_client():
    return Client(HTTP_HOST="alpha.localhost", raise_request_exception=False)


@pytest.mark.parametrize("path", ["/api/", "/api/nothing/here", "/api/%00", "/api/me/%00"])
def test_unknown_paths_under_the_api_are_problem_404s(api_client, tenant_a, path):
    response = api_client.get(path)
    assert response.status_code in (404, 422), response.content[:200]
    assert response["Content-Type"] == PROBLEM
    assert "detail" in response.json()


def test_platform_api_root_is_a_problem_404(db):
    response = Client(HTTP_HOST="localhost").get("/api/")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM


def test_a_method_no_operation_takes_is_a_problem_405_with_allow(api_client, tenants_tokens):
    response = api_client.delete("/api/me", **bearer(tenants_tokens))
    assert response.status_code == 405
    assert response["Content-Type"] == PROBLEM
    assert response["Allow"] == "GET"
    assert "DELETE" in response.json()["detail"]


@pytest.fixture
def tenants_tokens(client_a, editor_a):
    from api.tests.utils import token_pair

    return token_pair(client_a, editor_a)["access"]


@pytest.fixture
def page_insert_crashes(tenant_a):
    """A real fault below our code: PostgreSQL raises an internal error (SQLSTATE XX000) on
    any INSERT into alpha's pages (the trigger goes with the test's transaction)."""
    with tenant_context(tenant_a):
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE FUNCTION alpha.crash() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'disk on fire' USING ERRCODE = 'XX000'; END $$"
            )
            cursor.execute("CREATE TRIGGER crash BEFORE INSERT ON alpha.content_page EXECUTE FUNCTION alpha.crash()")


def test_a_crash_is_a_problem_500_with_a_request_id_and_no_traceback(
    api_client, tenants_tokens, page_insert_crashes, tenant_a, caplog
):
    with caplog.at_level(logging.ERROR, logger="config.errors"):
        response = api_client.post(
            "/api/pages", {"slug": "x", "title": "X"}, content_type="application/json", **bearer(tenants_tokens)
        )
    assert response.status_code == 500
    assert response["Content-Type"] == PROBLEM
    request_id = response["X-Request-ID"]
    assert response.json()["detail"] == INTERNAL_ERROR.format(request_id=request_id)
    assert b"Traceback" not in response.content and b"disk on fire" not in response.content
    logged = [r for r in caplog.records if request_id in r.getMessage()]
    assert logged and logged[0].exc_info and "disk on fire" in str(logged[0].exc_info[1])
    with tenant_context(tenant_a):
        assert not Page.objects.filter(slug="x").exists()


def test_a_proxy_request_id_is_kept(api_client, tenants_tokens, page_insert_crashes):
    response = api_client.post(
        "/api/pages",
        {"slug": "x", "title": "X"},
        content_type="application/json",
        HTTP_X_REQUEST_ID="req-1234567890",
        **bearer(tenants_tokens),
    )
    assert response.status_code == 500
    assert response["X-Request-ID"] == "req-1234567890"


def test_a_crash_outside_the_api_is_a_plain_500_page(tenant_a, editor_a, page_insert_crashes):
    from content.tests.utils import admin_login

    client = admin_login(Client(HTTP_HOST="alpha.localhost", raise_request_exception=False), editor_a)
    response = client.post(
        "/admin/content/page/add/",
        {"title": "X", "slug": "x", "blocks": "[]", "nav": "[]", "meta_description": ""},
    )
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert response["X-Request-ID"] in response.text
    assert "Traceback" not in response.text and "disk on fire" not in response.text
