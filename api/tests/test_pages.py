"""Pages through the API: CRUD, publishing, revisions, permissions, keys and two tenants."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from api import errors
from api.permissions import PERMISSION_MISSING
from api.tests.utils import api_key_header, bearer, token_pair
from content.models import Page, PageRevision

BLOCKS = [
    {"type": "heading", "text": "Welcome", "level": 1},
    {"type": "paragraph", "html": "<p>We fix bikes.</p>"},
]
JSON = "application/json"


def _create(client, token, slug="about/team", title="Team", blocks=BLOCKS):
    return client.post(
        "/api/pages", {"slug": slug, "title": title, "blocks": blocks}, content_type=JSON, **bearer(token)
    )


def test_create_get_and_list(client_a, tokens_a):
    created = _create(client_a, tokens_a["access"])
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["slug"] == "about/team"
    assert body["status"] == "draft"
    assert [b["type"] for b in body["blocks"]] == ["heading", "paragraph"]
    assert all(b["id"] for b in body["blocks"])  # the validator gives each block a stable id

    got = client_a.get("/api/pages/about/team", **bearer(tokens_a["access"]))
    assert got.status_code == 200
    assert got.json() == body

    listed = client_a.get("/api/pages?status=draft", **bearer(tokens_a["access"])).json()
    assert listed["count"] == 1
    assert listed["items"][0]["slug"] == "about/team"
    assert client_a.get("/api/pages?status=published", **bearer(tokens_a["access"])).json()["count"] == 0


def test_list_is_paginated(client_a, tokens_a):
    for n in range(5):
        _create(client_a, tokens_a["access"], slug=f"p{n}", title=f"P{n}")
    page = client_a.get("/api/pages?limit=2&offset=2", **bearer(tokens_a["access"])).json()
    assert page["count"] == 5
    assert [item["slug"] for item in page["items"]] == ["p2", "p3"]
    bad = client_a.get("/api/pages?limit=0", **bearer(tokens_a["access"]))
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["query", "limit"]


def test_home_page_is_addressed_as_home(client_a, tokens_a):
    assert _create(client_a, tokens_a["access"], slug="", title="Home").status_code == 201
    assert client_a.get("/api/pages/_home", **bearer(tokens_a["access"])).json()["title"] == "Home"


def test_put_replaces_and_patch_changes_only_what_is_sent(client_a, tokens_a):
    _create(client_a, tokens_a["access"])
    put = client_a.put(
        "/api/pages/about/team",
        {"slug": "about/team", "title": "The team", "meta_description": "Who we are"},
        content_type=JSON,
        **bearer(tokens_a["access"]),
    )
    assert put.status_code == 200
    assert put.json()["blocks"] == []  # PUT replaces: omitted blocks are emptied
    assert put.json()["meta_description"] == "Who we are"

    patch = client_a.patch(
        "/api/pages/about/team", {"blocks": BLOCKS[:1]}, content_type=JSON, **bearer(tokens_a["access"])
    )
    assert patch.status_code == 200
    assert patch.json()["title"] == "The team"
    assert patch.json()["meta_description"] == "Who we are"
    assert patch.json()["blocks"][0]["text"] == "Welcome"

    moved = client_a.patch("/api/pages/about/team", {"slug": "team"}, content_type=JSON, **bearer(tokens_a["access"]))
    assert moved.json()["slug"] == "team"
    assert client_a.get("/api/pages/about/team", **bearer(tokens_a["access"])).status_code == 404


def test_invalid_block_is_422_with_loc_into_blocks_and_writes_nothing(client_a, tenant_a, tokens_a):
    bad_blocks = [*BLOCKS, {"type": "heading", "text": "x", "level": 9}, {"type": "nope"}]
    response = _create(client_a, tokens_a["access"], blocks=bad_blocks)
    assert response.status_code == 422
    assert response["Content-Type"] == errors.PROBLEM_CONTENT_TYPE
    locs = [error["loc"] for error in response.json()["errors"]]
    assert ["body", "blocks", 2, "level"] in locs
    assert ["body", "blocks", 3, "type"] in locs
    with tenant_context(tenant_a):
        assert not Page.objects.exists()
        assert not PageRevision.objects.exists()


def test_invalid_patch_writes_nothing(client_a, tenant_a, tokens_a):
    _create(client_a, tokens_a["access"])
    response = client_a.patch(
        "/api/pages/about/team",
        {"title": "Changed", "blocks": [{"type": "heading", "level": 2}]},
        content_type=JSON,
        **bearer(tokens_a["access"]),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "blocks", 0, "text"]
    with tenant_context(tenant_a):
        page = Page.objects.get()
        assert page.title == "Team"
        assert page.revisions.count() == 1


@pytest.mark.parametrize("blocks", ["not a list", [1, 2], [{"type": "heading", "text": "x", "extra": 1}]])
def test_malformed_blocks_are_422_not_500(client_a, tokens_a, blocks):
    response = _create(client_a, tokens_a["access"], blocks=blocks)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][:2] == ["body", "blocks"]


def test_duplicate_slug_is_422_on_slug(client_a, tokens_a):
    _create(client_a, tokens_a["access"])
    response = _create(client_a, tokens_a["access"])
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "slug"]


def test_publish_unpublish_and_published_read(client_a, tokens_a, django_capture_on_commit_callbacks):
    _create(client_a, tokens_a["access"])
    assert client_a.get("/api/published/pages/about/team", **bearer(tokens_a["access"])).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):  # the page cache is dropped after the commit
        published = client_a.post("/api/pages/about/team/-/publish", **bearer(tokens_a["access"]))
    assert published.status_code == 200
    assert published.json()["status"] == "published"
    snapshot = client_a.get("/api/published/pages/about/team", **bearer(tokens_a["access"])).json()
    assert snapshot["title"] == "Team"
    assert [b["type"] for b in snapshot["blocks"]] == ["heading", "paragraph"]

    # a later draft edit does not leak into the published snapshot
    client_a.patch("/api/pages/about/team", {"title": "Draft title"}, content_type=JSON, **bearer(tokens_a["access"]))
    assert client_a.get("/api/published/pages/about/team", **bearer(tokens_a["access"])).json()["title"] == "Team"

    with django_capture_on_commit_callbacks(execute=True):
        assert client_a.post("/api/pages/about/team/-/unpublish", **bearer(tokens_a["access"])).status_code == 200
    assert client_a.get("/api/published/pages/about/team", **bearer(tokens_a["access"])).status_code == 404


def test_revisions_list_and_restore(client_a, tokens_a):
    _create(client_a, tokens_a["access"], title="First")
    client_a.patch("/api/pages/about/team", {"title": "Second"}, content_type=JSON, **bearer(tokens_a["access"]))
    revisions = client_a.get("/api/pages/about/team/-/revisions", **bearer(tokens_a["access"])).json()
    assert [r["title"] for r in revisions] == ["Second", "First"]
    first = revisions[1]["id"]
    restored = client_a.post(f"/api/pages/about/team/-/revisions/{first}/restore", **bearer(tokens_a["access"]))
    assert restored.status_code == 200
    assert restored.json()["title"] == "First"
    assert len(client_a.get("/api/pages/about/team/-/revisions", **bearer(tokens_a["access"])).json()) == 3
    assert (
        client_a.post("/api/pages/about/team/-/revisions/999999/restore", **bearer(tokens_a["access"])).status_code
        == 404
    )


def test_delete(client_a, tenant_a, tokens_a):
    _create(client_a, tokens_a["access"])
    assert client_a.delete("/api/pages/about/team", **bearer(tokens_a["access"])).status_code == 204
    assert client_a.get("/api/pages/about/team", **bearer(tokens_a["access"])).status_code == 404
    with tenant_context(tenant_a):
        assert not Page.objects.exists()


def test_missing_page_is_404_problem(client_a, tokens_a):
    response = client_a.get("/api/pages/nowhere", **bearer(tokens_a["access"]))
    assert response.status_code == 404
    assert response.json() == {"detail": errors.NOT_FOUND, "errors": []}


# --- permissions ---------------------------------------------------------------------


def test_viewer_reads_but_cannot_write(client_a, tokens_a, viewer_a, tenant_a):
    _create(client_a, tokens_a["access"])
    viewer = token_pair(client_a, viewer_a)["access"]
    assert client_a.get("/api/pages/about/team", **bearer(viewer)).status_code == 200
    assert client_a.get("/api/pages", **bearer(viewer)).status_code == 200
    denied = client_a.patch("/api/pages/about/team", {"title": "x"}, content_type=JSON, **bearer(viewer))
    assert denied.status_code == 403
    assert denied.json()["detail"] == PERMISSION_MISSING.format(perm="content.change_page")
    assert _create(client_a, viewer, slug="new").status_code == 403
    assert client_a.post("/api/pages/about/team/-/publish", **bearer(viewer)).status_code == 403
    assert client_a.delete("/api/pages/about/team", **bearer(viewer)).status_code == 403
    with tenant_context(tenant_a):
        assert Page.objects.get().title == "Team"
        assert not Page.objects.filter(slug="new").exists()


def test_user_without_permissions_cannot_read_drafts(client_a, tokens_a, plain_user_a):
    _create(client_a, tokens_a["access"])
    client_a.post("/api/pages/about/team/-/publish", **bearer(tokens_a["access"]))
    nobody = token_pair(client_a, plain_user_a)["access"]
    assert client_a.get("/api/pages/about/team", **bearer(nobody)).status_code == 403
    assert client_a.get("/api/pages", **bearer(nobody)).status_code == 403
    # the published snapshot is public content: any user of the site may read it
    assert client_a.get("/api/published/pages/about/team", **bearer(nobody)).status_code == 200


def test_read_key_reads_published_pages_only(client_a, tenant_a, tokens_a, key_factory):
    _create(client_a, tokens_a["access"])
    _create(client_a, tokens_a["access"], slug="draft-only", title="Draft")
    client_a.post("/api/pages/about/team/-/publish", **bearer(tokens_a["access"]))
    key = api_key_header(key_factory(tenant_a, ["pages:read"]))
    assert client_a.get("/api/published/pages/about/team", **key).json()["title"] == "Team"
    listed = client_a.get("/api/published/pages", **key).json()
    assert [item["slug"] for item in listed["items"]] == ["about/team"]
    assert client_a.get("/api/published/pages/draft-only", **key).status_code == 404
    # drafts and writes need pages:write
    assert client_a.get("/api/pages/about/team", **key).status_code == 403
    assert client_a.post("/api/pages/about/team/-/unpublish", **key).status_code == 403
    assert client_a.post("/api/pages", {"slug": "k", "title": "K"}, content_type=JSON, **key).status_code == 403


def test_write_key_manages_pages(client_a, tenant_a, key_factory):
    key = api_key_header(key_factory(tenant_a, ["pages:write"]))
    created = client_a.post("/api/pages", {"slug": "k", "title": "K", "blocks": BLOCKS}, content_type=JSON, **key)
    assert created.status_code == 201
    assert client_a.post("/api/pages/k/-/publish", **key).status_code == 200
    with tenant_context(tenant_a):
        assert Page.objects.get(slug="k").revisions.get().author is None
    # a write key is not a read key
    assert client_a.get("/api/published/pages/k", **key).status_code == 403


# --- two tenants -----------------------------------------------------------------------


ENDPOINTS = [
    ("get", "/api/pages", None),
    ("post", "/api/pages", {"slug": "x", "title": "X"}),
    ("get", "/api/pages/same", None),
    ("put", "/api/pages/same", {"slug": "same", "title": "Hijack"}),
    ("patch", "/api/pages/same", {"title": "Hijack"}),
    ("delete", "/api/pages/same", None),
    ("post", "/api/pages/same/-/publish", None),
    ("post", "/api/pages/same/-/unpublish", None),
    ("get", "/api/pages/same/-/revisions", None),
    ("post", "/api/pages/same/-/revisions/1/restore", None),
    ("get", "/api/published/pages", None),
    ("get", "/api/published/pages/same", None),
]


@pytest.fixture
def same_slug_on_both(client_a, client_b, tokens_a, tokens_b):
    for client, tokens, title in ((client_a, tokens_a, "A's page"), (client_b, tokens_b, "B's page")):
        assert _create(client, tokens["access"], slug="same", title=title).status_code == 201
        client.post("/api/pages/same/-/publish", **bearer(tokens["access"]))


@pytest.mark.parametrize("method,path,body", ENDPOINTS)
def test_a_credentials_fail_on_b_for_every_endpoint(
    client_b, tenant_b, tenant_a, tokens_a, key_factory, same_slug_on_both, method, path, body
):
    kwargs = {"content_type": JSON, "data": body} if body is not None else {}
    for credentials in (
        bearer(tokens_a["access"]),
        api_key_header(key_factory(tenant_a, ["pages:read", "pages:write"])),
    ):
        response = getattr(client_b, method)(path, **kwargs, **credentials)
        assert response.status_code == 401, (path, response.content)
    with tenant_context(tenant_b):
        page = Page.objects.get(slug="same")
        assert page.title == "B's page"
        assert page.status == "published"
        assert Page.objects.count() == 1


def test_identical_slug_returns_each_tenants_own_page(client_a, client_b, tokens_a, tokens_b, same_slug_on_both):
    assert client_a.get("/api/pages/same", **bearer(tokens_a["access"])).json()["title"] == "A's page"
    assert client_b.get("/api/pages/same", **bearer(tokens_b["access"])).json()["title"] == "B's page"
    assert client_a.get("/api/published/pages/same", **bearer(tokens_a["access"])).json()["title"] == "A's page"
    assert client_b.get("/api/published/pages/same", **bearer(tokens_b["access"])).json()["title"] == "B's page"


def test_get_by_slug_costs_one_query_once_the_user_is_cached(client_a, tokens_a):
    _create(client_a, tokens_a["access"])
    with CaptureQueriesContext(connection) as captured:
        assert client_a.get("/api/pages/about/team", **bearer(tokens_a["access"])).status_code == 200
    # the page only: the user behind the token is cached since the create (api.credentials),
    # and the editor is a superuser (no permission query); `SET search_path` not counted
    selects = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith("SET ")]
    assert len(selects) == 1, selects
    assert "content_page" in selects[0]
