"""GET /api/search through the real tenant middleware: a `search:read` key or a JWT,
each tenant sees only its own pages, bad input is a 4xx naming the parameter."""

import pytest
from django_tenants.utils import tenant_context

from api.errors import PROBLEM_CONTENT_TYPE
from api.services import api_key_create
from search.selectors import Mode
from search.tests.utils import heading, page_publish_indexed, paragraph

SHARED_TEXT = "Every order ships in recyclable cardboard with paper tape and no plastic."


@pytest.fixture
def twin_pages(tenant_a, tenant_b, embedder):
    blocks = [heading("Packaging"), paragraph(SHARED_TEXT)]
    page_publish_indexed(tenant_a, slug="alpha-packaging", title="Shipping", blocks=blocks, embedder=embedder)
    page_publish_indexed(tenant_b, slug="beta-packaging", title="Shipping", blocks=blocks, embedder=embedder)


def _key(tenant, scopes):
    with tenant_context(tenant):
        return api_key_create(name="partner", scopes=scopes)[1]


def _jwt(client, credentials) -> str:
    response = client.post("/api/auth/token", credentials, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["access"]


@pytest.mark.parametrize("mode", list(Mode))
def test_search_key_sees_only_its_tenant(twin_pages, client_a, client_b, tenant_a, tenant_b, mode):
    key_a, key_b = _key(tenant_a, ["search:read"]), _key(tenant_b, ["search:read"])
    query = {"q": "is the parcel wrapped in plastic", "mode": mode}
    body_a = client_a.get("/api/search", query, HTTP_AUTHORIZATION=f"Api-Key {key_a}").json()
    body_b = client_b.get("/api/search", query, HTTP_AUTHORIZATION=f"Api-Key {key_b}").json()
    assert [hit["slug"] for hit in body_a["results"]] == ["alpha-packaging"]
    assert [hit["slug"] for hit in body_b["results"]] == ["beta-packaging"]
    assert body_a["mode"] == mode and body_a["results"][0]["path"] == "/alpha-packaging/"


def test_search_with_jwt(twin_pages, client_a, editor_a):
    token = _jwt(client_a, editor_a)
    response = client_a.get("/api/search", {"q": "plastic-free packaging"}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    (hit,) = response.json()["results"]
    assert hit["slug"] == "alpha-packaging" and "<mark>plastic</mark>" in hit["snippet"]


def test_key_of_another_tenant_is_refused(twin_pages, client_a, tenant_b):
    key_b = _key(tenant_b, ["search:read"])
    response = client_a.get("/api/search", {"q": "packaging"}, HTTP_AUTHORIZATION=f"Api-Key {key_b}")
    assert response.status_code == 401


def test_jwt_of_another_tenant_is_refused(twin_pages, client_a, client_b, editor_b):
    token_b = _jwt(client_b, editor_b)
    response = client_a.get("/api/search", {"q": "packaging"}, HTTP_AUTHORIZATION=f"Bearer {token_b}")
    assert response.status_code == 401


def test_key_without_search_scope_is_forbidden(twin_pages, client_a, tenant_a):
    key = _key(tenant_a, ["pages:read"])
    response = client_a.get("/api/search", {"q": "packaging"}, HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert response.status_code == 403
    assert "search:read" in response.json()["detail"]


def test_anonymous_is_unauthorized(client_a):
    assert client_a.get("/api/search", {"q": "packaging"}).status_code == 401


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"q": "x", "mode": "telepathic"}, ["query", "mode"]),
        ({"q": "x", "limit": 0}, ["query", "limit"]),
        ({"q": "x", "limit": 51}, ["query", "limit"]),
        ({"q": ""}, ["query", "q"]),
        ({"q": "x" * 501}, ["query", "q"]),
        ({}, ["query", "q"]),
    ],
)
def test_bad_parameters_are_422_naming_the_parameter(client_a, tenant_a, params, loc):
    key = _key(tenant_a, ["search:read"])
    response = client_a.get("/api/search", params, HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert response.status_code == 422
    assert response["Content-Type"].startswith(PROBLEM_CONTENT_TYPE)
    assert [error["loc"] for error in response.json()["errors"]] == [loc]


def test_search_is_in_the_openapi_document(client_a):
    spec = client_a.get("/api/openapi.json").json()
    operation = spec["paths"]["/api/search"]["get"]
    assert {param["name"] for param in operation["parameters"]} == {"q", "mode", "limit"}


@pytest.mark.parametrize("mode", list(Mode))
def test_unrelated_question_is_an_empty_list(twin_pages, client_a, tenant_a, mode):
    key_a = _key(tenant_a, ["search:read"])
    query = {"q": "who won the football world cup", "mode": mode}
    response = client_a.get("/api/search", query, HTTP_AUTHORIZATION=f"Api-Key {key_a}")
    assert response.status_code == 200 and response.json()["results"] == []


def test_control_characters_in_the_question_are_ignored(twin_pages, client_a, tenant_a):
    key_a = _key(tenant_a, ["search:read"])
    query = {"q": "plastic\x07 packaging\x01", "mode": Mode.KEYWORD}
    response = client_a.get("/api/search", query, HTTP_AUTHORIZATION=f"Api-Key {key_a}")
    assert response.status_code == 200
    assert [hit["slug"] for hit in response.json()["results"]] == ["alpha-packaging"]


def test_a_nul_in_the_question_is_refused_at_the_api_edge(twin_pages, client_a, tenant_a):
    # PostgreSQL cannot hold NUL: the API's parser refuses it before search sees it (issue 11).
    key_a = _key(tenant_a, ["search:read"])
    query = {"q": "plastic\x00 packaging", "mode": Mode.KEYWORD}
    response = client_a.get("/api/search", query, HTTP_AUTHORIZATION=f"Api-Key {key_a}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "q"]
