"""Library images on pages: published with what the template needs (no query per image
when a page renders), re-rendered when the image changes, gone (never a 500) when the
image is deleted, and refused when the id is not in the tenant's library."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from content import services as pages
from content.exceptions import PageInvalid
from content.models import Page
from content.tests.utils import admin_login, page_published
from images import selectors, services
from images.models import ImageUsage


def _blocks(image_id: int) -> list[dict]:
    return [
        {"type": "hero", "title": "Hello", "image_id": image_id},
        {"type": "image", "image_id": image_id, "caption": "A caption"},
        {"type": "cards", "items": [{"title": "One", "image_id": image_id}, {"title": "Two"}]},
    ]


def _imgs(html: str) -> list[str]:
    return re.findall(r"<img [^>]*>", html)


def test_a_published_page_renders_srcset_sizes_and_dimensions(image_factory, tenant_a, client_a):
    image = image_factory(tenant_a, width=2400, height=1600, alt="A red bike against a wall")
    page_published(tenant_a, slug="bikes", title="Bikes", blocks=_blocks(image.pk))
    html = client_a.get("/bikes/").text
    imgs = _imgs(html)
    assert len(imgs) == 3
    hero, block, card = imgs
    for img in imgs:
        assert 'width="2400" height="1600"' in img
        assert 'alt="A red bike against a wall"' in img
        assert 'decoding="async"' in img
        assert re.search(r'srcset="/media/images/r/[^"]+-320w-[0-9a-f]{12}\.jpg 320w, .+ 1920w"', img), img
        assert 'sizes="' in img
    assert 'fetchpriority="high"' in hero and "loading" not in hero  # the largest paint is not lazy
    assert 'loading="lazy"' in block and 'loading="lazy"' in card
    assert html.count('<source type="image/webp" srcset="/media/images/r/') == 3
    # Every URL in the page is a rendition that the tenant's host serves.
    for url in set(re.findall(r"(/media/images/r/\S+?) \d+w", html)):
        assert client_a.get(url).status_code == 200, url


def test_rendering_a_page_with_images_costs_no_extra_query(
    image_factory, tenant_a, client_a, django_assert_num_queries
):
    images = [image_factory(tenant_a, seed=seed) for seed in range(3)]
    blocks = [{"type": "image", "image_id": image.pk} for image in images]
    page_published(tenant_a, slug="gallery", title="Gallery", blocks=blocks)
    page_published(tenant_a, slug="plain", title="Plain", blocks=[{"type": "heading", "text": "Hi"}])
    client_a.get("/warm-up/")  # the host lookup, cached from now on
    # A cache miss: the same queries with three images as with none (the row holds them).
    with CaptureQueriesContext(connection) as without_images:
        client_a.get("/plain/")
    assert len(without_images) <= 4  # the row, and django-tenants' schema switches
    with django_assert_num_queries(len(without_images)):
        assert client_a.get("/gallery/").text.count("<picture>") == 3
    with django_assert_num_queries(0):  # a hit
        client_a.get("/gallery/")


def test_an_image_pending_renditions_shows_nothing_to_visitors_then_appears(
    image_factory, tenant_a, client_a, django_capture_on_commit_callbacks
):
    image = image_factory(tenant_a, renditions=False)
    page_published(tenant_a, slug="soon", title="Soon", blocks=[{"type": "image", "image_id": image.pk}])
    assert _imgs(client_a.get("/soon/").text) == []  # and now cached
    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        services.image_renditions_make(image_id=image.pk)
    assert len(_imgs(client_a.get("/soon/").text)) == 1  # re-rendered, the cache entry dropped


def test_editing_the_alt_text_re_renders_the_pages_that_show_it(
    image_factory, tenant_a, client_a, django_capture_on_commit_callbacks
):
    image = image_factory(tenant_a, alt="Old words")
    page_published(tenant_a, slug="alt", title="Alt", blocks=[{"type": "image", "image_id": image.pk}])
    assert 'alt="Old words"' in client_a.get("/alt/").text
    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        services.image_update(image=image, alt="New words", focal_x=0.25, focal_y=0.75)
    html = client_a.get("/alt/").text
    assert 'alt="New words"' in html and 'style="object-position: 25.0% 75.0%"' in html


def test_a_deleted_image_renders_nothing_for_visitors_and_a_warning_for_staff(
    image_factory, tenant_a, client_a, editor_a, django_capture_on_commit_callbacks
):
    image = image_factory(tenant_a)
    image_id = image.pk
    page_published(tenant_a, slug="gone", title="Gone", blocks=[*_blocks(image.pk), {"type": "heading", "text": "Hi"}])
    assert len(_imgs(client_a.get("/gone/").text)) == 3
    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        services.image_delete(image=image)
    response = client_a.get("/gone/")
    assert response.status_code == 200
    assert _imgs(response.text) == [] and "/media/" not in response.text
    assert "<h1>Hello</h1>" in response.text and "Hi</h2>" in response.text  # the rest of the page stays
    staff = admin_login(client_a.__class__(HTTP_HOST="alpha.localhost"), editor_a)
    warning = staff.get("/gone/").text
    assert warning.count(f"Image {image_id} is no longer in the media library") == 3


def test_a_page_cannot_refer_to_an_image_not_in_its_library(tenant_a):
    with tenant_context(tenant_a):
        with pytest.raises(PageInvalid) as refused:
            pages.page_create(user=None, slug="bad", title="Bad", blocks=_blocks(987654))
        assert not Page.objects.filter(slug="bad").exists()
    locs = [error["loc"] for error in refused.value.errors]
    assert locs == [
        ["blocks", 0, "image_id"],
        ["blocks", 1, "image_id"],
        ["blocks", 2, "items", 0, "image_id"],
    ]
    assert "no image 987654 in this site's media library" in refused.value.errors[0]["msg"]


def test_an_image_block_needs_a_library_image_or_a_url(tenant_a):
    with tenant_context(tenant_a), pytest.raises(PageInvalid) as refused:
        pages.page_create(user=None, slug="empty", title="Empty", blocks=[{"type": "image", "caption": "x"}])
    assert refused.value.errors == [
        {"loc": ["blocks", 0], "msg": "choose an image from the library, or give the URL of an image from elsewhere"}
    ]


def test_a_url_image_still_renders_as_given(tenant_a, client_a):
    blocks = [{"type": "image", "src": "https://cdn.example/x.png", "alt": "X", "width": 10, "height": 20}]
    page_published(tenant_a, slug="url", title="Url", blocks=blocks)
    assert _imgs(client_a.get("/url/").text) == [
        '<img src="https://cdn.example/x.png" alt="X" loading="lazy" decoding="async" width="10" height="20">'
    ]


def test_usage_lists_the_pages_of_draft_and_published_blocks(image_factory, tenant_a):
    first, second = image_factory(tenant_a, seed=1), image_factory(tenant_a, seed=2)
    page = page_published(tenant_a, slug="use", title="Use", blocks=[{"type": "image", "image_id": first.pk}])
    with tenant_context(tenant_a):
        pages.page_update(page=page, user=None, blocks=[{"type": "image", "image_id": second.pk}])
        # The draft shows the second, visitors still the first: both are in use.
        assert [u.page.slug for u in selectors.image_usage(image_id=first.pk)] == ["use"]
        assert [u.page.slug for u in selectors.image_usage(image_id=second.pk)] == ["use"]
        pages.page_publish(page=page, user=None)
        assert not selectors.image_usage(image_id=first.pk).exists()
        pages.page_delete(page=page, user=None)
        assert not ImageUsage.objects.exists()


def test_the_draft_preview_resolves_images_for_staff(image_factory, tenant_a, client_a, editor_a):
    image = image_factory(tenant_a)
    with tenant_context(tenant_a):
        page = pages.page_create(
            user=None, slug="draft", title="Draft", blocks=[{"type": "image", "image_id": image.pk}]
        )
    admin_login(client_a, editor_a)
    assert len(_imgs(client_a.get(f"/_preview/{page.pk}/").text)) == 1
