"""Hostile input outside the API: the editors' admin (its JSON block editor), the platform
admin, the login forms and the visitors' pages answer a form error or a 4xx, never a 500,
and write nothing. (The API has its own fuzz run: api/tests/test_fuzz.py.)"""

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_tenants.utils import schema_context, tenant_context

from config.json_input import KEY_DUPLICATE, TEXT_NUL, TEXT_SURROGATE, TOO_DEEP
from content.models import Page, PageRevision
from content.tests.utils import admin_login, page_published
from tenants.models import Tenant

DEEP = "[" * 50_000 + "]" * 50_000


def _page_form(**changes) -> dict:
    data = {
        "title": "Hostile",
        "slug": "hostile",
        "blocks": json.dumps([{"type": "heading", "text": "Hi", "level": 2}]),
        "nav": "[]",
        "meta_description": "",
        "canonical_url": "",
        "social_image": "",
    }
    data.update(changes)
    return data


@pytest.fixture
def editor_client(client_a, editor_a):
    client = Client(HTTP_HOST="alpha.localhost", raise_request_exception=False)
    return admin_login(client, editor_a)


@pytest.mark.parametrize(
    ("blocks", "message"),
    [
        ('[{"type": "heading", "text": "a\\u0000b", "level": 2}]', TEXT_NUL),
        ('[{"type": "heading", "text": "\\ud800", "level": 2}]', TEXT_SURROGATE),
        ('[{"type": "heading", "text": "a", "text": "b", "level": 2}]', KEY_DUPLICATE.format(key="text")),
        (DEEP, TOO_DEEP),
        ('[{"type": "paragraph", "html": "<p>x</p>", "x": ' + "[" * 100 + "]" * 100 + "}]", TOO_DEEP),
    ],
    ids=["NUL", "surrogate", "duplicate key", "50,000 deep", "100 deep in a block"],
)
def test_block_editor_refuses_what_the_database_cannot_store_as_a_form_error(editor_client, tenant_a, blocks, message):
    response = editor_client.post("/admin/content/page/add/", _page_form(blocks=blocks))
    assert response.status_code == 200, response.content[:500]
    assert message.replace("'", "&#x27;") in response.text
    with tenant_context(tenant_a):
        assert not Page.objects.filter(slug="hostile").exists()
        assert not PageRevision.objects.exists()


@pytest.mark.parametrize("field", ["title", "slug", "meta_description", "canonical_url"])
def test_nul_in_a_page_field_is_a_form_error(editor_client, tenant_a, field):
    response = editor_client.post("/admin/content/page/add/", _page_form(**{field: "a\x00b"}))
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.text
    with tenant_context(tenant_a):
        assert not Page.objects.exists()


@pytest.mark.parametrize(
    "query", ["q=%00", "q=a%00b", "status__exact=%00", "o=%00", "p=%00", "q=%ED%A0%80", "slug=%00"]
)
def test_admin_lists_take_hostile_query_strings(editor_client, query):
    response = editor_client.get(f"/admin/content/page/?{query}")
    assert response.status_code < 500, response.content[:500]


def test_nul_in_an_admin_object_id_is_not_found(editor_client):
    assert editor_client.get("/admin/content/page/%00/change/").status_code < 500
    assert editor_client.get("/admin/content/page/1%00/change/").status_code < 500


@pytest.mark.parametrize("path", ["/search/?q=%00", "/search/?q=a%00b", "/search/?mode=%00&q=x", "/%00/", "/a%00b/"])
def test_visitor_pages_answer_hostile_urls_with_a_4xx(tenant_a, path):
    page_published(tenant_a, slug="", title="Home", blocks=[])
    response = Client(HTTP_HOST="alpha.localhost", raise_request_exception=False).get(path)
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])


@pytest.mark.parametrize("username", ["a%00b", "%ED%A0%80", "x" * 100_000], ids=["NUL", "surrogate", "100 kB"])
def test_admin_login_with_a_hostile_username_is_a_form_error(tenant_a, username):
    client = Client(HTTP_HOST="alpha.localhost", raise_request_exception=False)
    body = f"username={username}&password=nope"  # url-encoded by hand: the test client cannot encode a surrogate
    response = client.post("/admin/login/?next=/admin/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200, response.content[:300]
    assert "_auth_user_id" not in client.session


@pytest.fixture
def platform_admin(db):
    with schema_context("public"):
        get_user_model().objects.create_superuser("root", "root@platform.example", "platform-root-pass")
    client = Client(HTTP_HOST="localhost", raise_request_exception=False)
    assert client.login(username="root", password="platform-root-pass")
    return client


@pytest.mark.parametrize(
    "form",
    [{"schema_name": "a\x00b", "name": "Evil"}, {"schema_name": "nulco", "name": "Evil\x00"}],
    ids=["name", "display name"],
)
def test_platform_admin_refuses_nul_as_a_form_error(platform_admin, form):
    tenants = Tenant.objects.count()
    response = platform_admin.post("/admin/tenants/tenant/add/", form)
    assert response.status_code == 200, response.content[:300]
    assert "Null characters are not allowed." in response.text
    assert Tenant.objects.count() == tenants


@pytest.mark.parametrize("query", ["q=%00", "q=%ED%A0%80", "is_active__exact=%00"])
def test_platform_admin_lists_take_hostile_query_strings(platform_admin, query):
    for path in ("/admin/tenants/tenant/", "/admin/tenants/domain/", "/admin/auth/user/"):
        assert platform_admin.get(f"{path}?{query}").status_code < 500, path
