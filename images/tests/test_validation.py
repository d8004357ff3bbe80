"""Uploads are judged by their content: each refusal is a 4xx saying why, and nothing is
stored (no row, no file). Through the API, as a partner's script would upload."""

import pytest
from django_tenants.utils import tenant_context

from api.tests.utils import bearer, token_pair
from config.json_input import TEXT_NUL
from images import validation
from images.models import Image
from images.tests.utils import SVG_WITH_SCRIPT, media_files, photo, png_bomb, upload


@pytest.fixture
def post_image(client_a, editor_a):
    token = token_pair(client_a, editor_a)["access"]

    def post(data: bytes, name: str, **fields):
        return client_a.post("/api/images", {"file": upload(data, name), "alt": "x", **fields}, **bearer(token))

    return post


def _refused(response, status: int, message: str, tenant, files_before) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["detail"] == message
    assert body["errors"][0]["loc"] == ["body", "file"]
    with tenant_context(tenant):
        assert not Image.objects.exists()
    assert media_files(tenant) == files_before


def test_svg_is_refused_with_its_reason(post_image, tenant_a):
    before = media_files(tenant_a)
    response = post_image(SVG_WITH_SCRIPT, "logo.svg")
    _refused(response, 422, validation.SVG_REFUSED, tenant_a, before)


def test_a_text_file_named_png_is_refused(post_image, tenant_a):
    before = media_files(tenant_a)
    response = post_image(b"just some notes, not a picture\n" * 20, "notes.png")
    _refused(response, 422, validation.NOT_AN_IMAGE, tenant_a, before)


def test_a_file_over_the_size_limit_is_a_413(post_image, tenant_a):
    before = media_files(tenant_a)
    data = photo(64, 64, fmt="PNG") + b"\0" * (21 * 1024 * 1024)  # a real PNG, padded to 21 MB
    response = post_image(data, "huge.png")
    assert response.status_code == 413, response.content
    assert "the limit is 20,971,520 bytes (20 MB)" in response.json()["detail"]
    with tenant_context(tenant_a):
        assert not Image.objects.exists()
    assert media_files(tenant_a) == before


def test_a_decompression_bomb_is_refused_before_decoding(post_image, tenant_a):
    before = media_files(tenant_a)
    bomb = png_bomb()
    assert len(bomb) < 200_000  # tiny on disk, 400 megapixels decoded
    response = post_image(bomb, "bomb.png")
    _refused(response, 422, "The image has 400,000,000 pixels; the limit is 50 megapixels.", tenant_a, before)


def test_an_image_just_over_the_pixel_limit_names_its_size(post_image, tenant_a, settings):
    settings.IMAGES_MAX_PIXELS = 1_000_000
    before = media_files(tenant_a)
    response = post_image(photo(1200, 1000), "big.jpg")
    message = validation.TOO_MANY_PIXELS.format(width=1200, height=1000, limit_mp=1)
    _refused(response, 422, message, tenant_a, before)


def test_a_truncated_jpeg_is_refused(post_image, tenant_a):
    before = media_files(tenant_a)
    data = photo(1200, 800, quality=90)
    response = post_image(data[: len(data) * 2 // 3], "cut.jpg")
    assert response.status_code == 422, response.content
    assert response.json()["detail"].startswith("The image is damaged or incomplete")
    with tenant_context(tenant_a):
        assert not Image.objects.exists()
    assert media_files(tenant_a) == before


def test_alt_text_is_required_and_every_problem_is_reported_at_once(post_image, tenant_a):
    before = media_files(tenant_a)
    response = post_image(b"not an image", "x.png", alt="   ")
    assert response.status_code == 422
    errors = {tuple(e["loc"]): e["msg"] for e in response.json()["errors"]}
    assert errors == {("body", "file"): validation.NOT_AN_IMAGE, ("body", "alt"): validation.ALT_REQUIRED}
    assert media_files(tenant_a) == before


def test_a_body_that_is_not_multipart_is_refused(client_a, editor_a):
    token = token_pair(client_a, editor_a)["access"]
    response = client_a.post("/api/images", {"alt": "x"}, content_type="application/json", **bearer(token))
    assert response.status_code == 422
    assert "multipart/form-data" in response.json()["detail"]


@pytest.mark.parametrize(
    ("fmt", "extra"),
    [("JPEG", {}), ("PNG", {}), ("WEBP", {}), ("GIF", {}), ("AVIF", {})],
)
def test_each_allowed_format_is_accepted(post_image, tenant_a, fmt, extra):
    response = post_image(photo(300, 200, fmt=fmt, **extra), f"pic.{fmt.lower()}")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["format"], body["width"], body["height"], body["status"]) == (fmt, 300, 200, "pending")


def test_nul_in_the_form_s_text_is_a_422_at_its_field_and_stores_nothing(post_image, tenant_a, tenant_b, client_b):
    """A NUL in a multipart field (PostgreSQL cannot store it) was a 500 (the fuzz test found it)."""
    before = media_files(tenant_a)
    response = post_image(photo(40, 30), "pic.png", alt="action\x00source", title="fine\x00title")
    assert response.status_code == 422, response.content
    errors = {tuple(e["loc"]): e["msg"] for e in response.json()["errors"]}
    assert errors == {("body", "alt"): TEXT_NUL, ("body", "title"): TEXT_NUL}
    with tenant_context(tenant_a):
        assert not Image.objects.exists()
    assert media_files(tenant_a) == before
    # A NUL in the file's name only shapes the default title: dropped, the upload stored.
    response = post_image(photo(40, 30), "bad\x00name.png")
    assert response.status_code == 201, response.content
    assert "\x00" not in response.json()["title"]
    with tenant_context(tenant_b):
        assert not Image.objects.exists()  # the other tenant's library is untouched
