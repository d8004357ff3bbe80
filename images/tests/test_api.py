"""The images API (api/routers/images.py): upload, list, read, delete; the `images:write`
key scope; two tenants. Refused uploads are in test_validation.py."""

import pytest
from django_tenants.utils import tenant_context

from api.tests.utils import api_key_header, bearer, token_pair
from content.tests.utils import page_published
from images.models import Image
from images.tests.utils import photo, upload
from images.validation import FOCAL_OUT_OF_RANGE


def _key(tenant, scopes) -> dict:
    from api.services import api_key_create

    with tenant_context(tenant):
        _, plain = api_key_create(name="+".join(scopes), scopes=scopes)
    return api_key_header(plain)


def _post(client, headers, data: bytes, **fields):
    return client.post("/api/images", {"file": upload(data), "alt": "A bike", **fields}, **headers)


def test_upload_then_read_and_list(client_a, tokens_a):
    auth = bearer(tokens_a["access"])
    created = _post(client_a, auth, photo(800, 600), title="Red bike", focal_x="0.3", focal_y="0.6")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["title"], body["alt"], body["width"], body["height"]) == ("Red bike", "A bike", 800, 600)
    assert (body["focal_x"], body["focal_y"], body["status"], body["renditions"]) == (0.3, 0.6, "pending", [])
    assert len(body["content_hash"]) == 64

    again = _post(client_a, auth, photo(800, 600), title="Same bytes")
    assert again.status_code == 200 and again.json()["id"] == body["id"]  # de-duplicated

    detail = client_a.get(f"/api/images/{body['id']}", **auth).json()
    assert detail["used_on"] == []
    listed = client_a.get("/api/images?q=red", **auth).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]
    assert client_a.get("/api/images?q=blue", **auth).json()["count"] == 0


def test_a_used_image_is_not_deleted_without_force(client_a, tokens_a, tenant_a, image_factory):
    auth = bearer(tokens_a["access"])
    image = image_factory(tenant_a)
    page_published(tenant_a, slug="shop", title="Shop", blocks=[{"type": "image", "image_id": image.pk}])
    detail = client_a.get(f"/api/images/{image.pk}", **auth).json()
    assert detail["used_on"] == [{"slug": "shop", "title": "Shop", "status": "published"}]
    assert len(detail["renditions"]) == 10
    assert detail["renditions"][0]["url"].startswith("/media/images/r/")

    refused = client_a.delete(f"/api/images/{image.pk}", **auth)
    assert refused.status_code == 409
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["detail"].startswith("The image is used on 1 page(s): /shop.")
    with tenant_context(tenant_a):
        assert Image.objects.filter(pk=image.pk).exists()

    assert client_a.delete(f"/api/images/{image.pk}?force=true", **auth).status_code == 204
    with tenant_context(tenant_a):
        assert not Image.objects.filter(pk=image.pk).exists()


def test_a_key_needs_the_images_write_scope(client_a, tenant_a):
    pages_key = _key(tenant_a, ["pages:write"])
    refused = _post(client_a, pages_key, photo(300, 200))
    assert refused.status_code == 403 and "images:write" in refused.json()["detail"]
    with tenant_context(tenant_a):
        assert not Image.objects.exists()
    images_key = _key(tenant_a, ["images:write"])
    assert _post(client_a, images_key, photo(300, 200)).status_code == 201
    assert client_a.get("/api/images", **images_key).json()["count"] == 1


def test_a_user_without_image_permissions_is_refused(client_a, tenant_a):
    from django.contrib.auth import get_user_model

    with tenant_context(tenant_a):
        get_user_model().objects.create_user(username="nobody@alpha.example", password="nobody-pass-3318")
    auth = bearer(token_pair(client_a, {"username": "nobody@alpha.example", "password": "nobody-pass-3318"})["access"])
    assert _post(client_a, auth, photo(300, 200)).status_code == 403
    assert client_a.get("/api/images", **auth).status_code == 403


def test_tenant_a_image_is_unknown_on_tenant_b(client_a, client_b, tokens_a, tokens_b, tenant_a, tenant_b):
    """A's image id on B: 404 by the API, refused in B's pages, and A's files are not
    reachable through B's host."""
    created = _post(client_a, bearer(tokens_a["access"]), photo(900, 600)).json()
    with tenant_context(tenant_b):
        Image.objects.filter(pk=created["id"]).delete()  # B has no image of that id (ids are per schema)
    auth_b = bearer(tokens_b["access"])
    assert client_b.get(f"/api/images/{created['id']}", **auth_b).status_code == 404
    assert client_b.delete(f"/api/images/{created['id']}?force=true", **auth_b).status_code == 404
    assert client_b.get("/api/images", **auth_b).json()["count"] == 0
    page = {"slug": "stolen", "title": "Stolen", "blocks": [{"type": "image", "image_id": created["id"]}]}
    refused = client_b.post("/api/pages", page, content_type="application/json", **auth_b)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "blocks", 0, "image_id"]
    with tenant_context(tenant_a):
        assert Image.objects.filter(pk=created["id"]).exists()


@pytest.mark.parametrize("field", ["focal_x", "focal_y"])
def test_a_focal_point_outside_the_picture_is_refused(client_a, tokens_a, tenant_a, field):
    response = _post(client_a, bearer(tokens_a["access"]), photo(300, 200), **{field: "1.5"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"loc": ["body", field], "msg": FOCAL_OUT_OF_RANGE, "type": "image"}]
    with tenant_context(tenant_a):
        assert not Image.objects.exists()
