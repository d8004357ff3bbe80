"""The media library in the tenant admin: several uploads at once, refusals shown per
file, editing, usage and the delete confirmation, the page editor's chooser; two tenants."""

import json

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from content.tests.utils import admin_login, page_published
from images import validation
from images.models import Image
from images.tests.utils import SVG_WITH_SCRIPT, media_files, photo, upload


def test_an_editor_uploads_several_images_at_once(tenant_a, client_a, editor_a):
    admin_login(client_a, editor_a)
    files = [upload(photo(seed=1), "red-bike.jpg"), upload(photo(seed=2, fmt="PNG"), "blue_bike.png", "image/png")]
    response = client_a.post(
        "/admin/images/image/add/",
        {"file": files, "title": ["Red bike", ""], "alt": ["A red bike", "A blue bike"]},
    )
    assert response.status_code == 302, response.content[:3000]
    with tenant_context(tenant_a):
        found = sorted(Image.objects.values_list("title", "alt", "format"))
    assert found == [("Red bike", "A red bike", "JPEG"), ("blue bike", "A blue bike", "PNG")]
    page = client_a.get("/admin/images/image/")
    assert "2 image(s) added to the library." in page.text and "Red bike" in page.text


def test_refused_files_are_named_with_their_reason_and_the_good_ones_kept(tenant_a, client_a, editor_a):
    admin_login(client_a, editor_a)
    files = [upload(SVG_WITH_SCRIPT, "logo.svg", "image/svg+xml"), upload(photo(seed=3), "ok.jpg")]
    response = client_a.post("/admin/images/image/add/", {"file": files, "alt": ["Logo", "Fine"], "title": ["", ""]})
    assert response.status_code == 400
    assert f"logo.svg not added: {validation.SVG_REFUSED}" in response.text
    with tenant_context(tenant_a):
        assert list(Image.objects.values_list("alt", flat=True)) == ["Fine"]


def test_an_upload_without_alt_text_is_refused_and_stores_nothing(tenant_a, client_a, editor_a):
    admin_login(client_a, editor_a)
    before = media_files(tenant_a)
    response = client_a.post("/admin/images/image/add/", {"file": [upload(photo(seed=4))], "alt": [""]})
    assert response.status_code == 400
    assert validation.ALT_REQUIRED in response.text
    with tenant_context(tenant_a):
        assert not Image.objects.exists()
    assert media_files(tenant_a) == before


def test_the_library_list_costs_the_same_queries_for_many_images(tenant_a, client_a, editor_a, image_factory):
    def listed(count: int) -> int:
        for seed in range(count):
            image = image_factory(tenant_a, seed=count * 10 + seed, renditions=seed % 2 == 0)
            page_published(
                tenant_a, slug=f"p{count}-{seed}", title="P", blocks=[{"type": "image", "image_id": image.pk}]
            )
        with CaptureQueriesContext(connection) as queries:
            page = client_a.get("/admin/images/image/")
        with tenant_context(tenant_a):
            assert page.text.count('class="images-thumb"') == Image.objects.count()
        return len(queries)

    admin_login(client_a, editor_a)
    one = listed(1)
    assert listed(6) == one  # thumbnails and usage counts come with the list, not one query per image


def test_the_upload_page_and_change_page_render(tenant_a, client_a, editor_a, image_factory):
    image = image_factory(tenant_a)
    page_published(tenant_a, slug="shop", title="Shop", blocks=[{"type": "image", "image_id": image.pk}])
    admin_login(client_a, editor_a)
    assert 'type="file" name="file"' in client_a.get("/admin/images/image/add/").text
    change = client_a.get(f"/admin/images/image/{image.pk}/change/").text
    assert "/shop/" in change and "webp 1280w" in change
    original = client_a.get(f"/admin/images/image/{image.pk}/original/")
    assert original.status_code == 200 and original["Content-Type"] == "image/jpeg"


def test_editing_alt_text_in_the_admin_goes_through_the_service(tenant_a, client_a, editor_a, image_factory):
    image = image_factory(tenant_a)
    admin_login(client_a, editor_a)
    form = {"title": "T", "alt": "", "focal_x": "2", "focal_y": ""}
    refused = client_a.post(f"/admin/images/image/{image.pk}/change/", form)
    assert refused.status_code == 200
    assert validation.ALT_REQUIRED in refused.text
    form.update(alt="Now described", focal_x="0.5", focal_y="0.5")
    assert client_a.post(f"/admin/images/image/{image.pk}/change/", form).status_code == 302
    with tenant_context(tenant_a):
        image.refresh_from_db()
    assert (image.alt, image.focal_x, image.focal_y) == ("Now described", 0.5, 0.5)


def test_deleting_a_used_image_asks_first_and_lists_the_pages(
    tenant_a, client_a, editor_a, image_factory, django_capture_on_commit_callbacks
):
    image = image_factory(tenant_a)
    page_published(tenant_a, slug="shop", title="Shop", blocks=[{"type": "image", "image_id": image.pk}])
    admin_login(client_a, editor_a)
    confirm = client_a.get(f"/admin/images/image/{image.pk}/delete/")
    assert "This image is used on 1 page." in confirm.text and "/shop/" in confirm.text
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(f"/admin/images/image/{image.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    with tenant_context(tenant_a):
        assert not Image.objects.filter(pk=image.pk).exists()
    assert "<img" not in client_a.__class__(HTTP_HOST="alpha.localhost").get("/shop/").text


def test_the_chooser_searches_by_title_and_uploads(tenant_a, client_a, editor_a, image_factory):
    image_factory(tenant_a, seed=1, title="Red bike")
    image_factory(tenant_a, seed=2, title="Bakery window")
    admin_login(client_a, editor_a)
    found = client_a.get("/admin/images/image/chooser/?q=bike").json()["results"]
    assert [item["title"] for item in found] == ["Red bike"]
    assert found[0]["thumbnail"].startswith("/media/images/r/") and "320w" in found[0]["thumbnail"]

    refused = client_a.post("/admin/images/image/chooser/upload/", {"file": upload(b"text"), "alt": "x"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["msg"] == validation.NOT_AN_IMAGE
    made = client_a.post("/admin/images/image/chooser/upload/", {"file": upload(photo(seed=9)), "alt": "New"})
    assert made.status_code == 200 and made.json()["image"]["alt"] == "New"


def test_beta_cannot_choose_or_use_alphas_image(
    tenant_a, tenant_b, client_b, editor_b, image_factory, django_capture_on_commit_callbacks
):
    image = image_factory(tenant_a, title="Alpha only")
    with tenant_context(tenant_b):
        Image.objects.filter(pk=image.pk).delete()  # ids are per schema: make sure beta has none of that id
    admin_login(client_b, editor_b)
    assert client_b.get("/admin/images/image/chooser/?q=alpha").json()["results"] == []
    assert client_b.get(f"/admin/images/image/chooser/?id={image.pk}").json()["results"] == []
    assert client_b.get(f"/admin/images/image/{image.pk}/original/").status_code == 404
    blocks = json.dumps([{"type": "hero", "title": "Stolen", "image_id": image.pk}])
    form = {"title": "Stolen", "slug": "stolen", "blocks": blocks, "nav": "[]", "meta_description": ""}
    form.update(canonical_url="", social_image="", _publish="1")
    response = client_b.post("/admin/content/page/add/", form)
    assert response.status_code == 200
    assert f"no image {image.pk} in this site" in response.text
    with tenant_context(tenant_b):
        from content.models import Page

        assert not Page.objects.filter(slug="stolen").exists()
