"""Renditions: sizes and formats, EXIF gone and orientation applied, served on the
tenant's own host with immutable caching; made by the real Celery worker after an upload."""

import io
import time

import PIL.Image
import pytest
from django_tenants.utils import tenant_context

from images import services
from images.models import Image, Rendition
from images.tests.utils import EXIF_GPS_IFD, exif_with_gps, photo, upload


def _open(client, url: str) -> PIL.Image.Image:
    response = client.get(url)
    assert response.status_code == 200, url
    return PIL.Image.open(io.BytesIO(b"".join(response.streaming_content)))


def test_a_photo_gets_each_width_in_webp_and_jpeg(image_factory, tenant_a):
    image = image_factory(tenant_a, width=2400, height=1600)
    with tenant_context(tenant_a):
        made = sorted(image.renditions.values_list("format", "width", "height"))
    widths = [320, 640, 960, 1280, 1920]
    expected = sorted([(fmt, w, round(1600 * w / 2400)) for fmt in ("jpeg", "webp") for w in widths])
    assert made == expected
    assert image.status == Image.Status.READY


def test_a_small_image_gets_a_rendition_at_its_own_width(image_factory, tenant_a):
    image = image_factory(tenant_a, width=500, height=300)
    with tenant_context(tenant_a):
        assert sorted(set(image.renditions.values_list("width", flat=True))) == [320, 500]


def test_a_png_with_transparency_keeps_png_and_alpha(image_factory, tenant_a, client_a):
    image = image_factory(tenant_a, width=700, height=400, fmt="PNG", alpha=True)
    with tenant_context(tenant_a):
        png = image.renditions.get(format="png", width=640)
    assert _open(client_a, png.url).mode == "RGBA"


def test_exif_is_stripped_and_the_orientation_applied(image_factory, tenant_a, client_a):
    # Stored 1200 x 800 with "rotate 90° clockwise" (6): it is displayed 800 x 1200.
    image = image_factory(tenant_a, width=1200, height=800, exif=exif_with_gps(orientation=6))
    assert (image.width, image.height) == (800, 1200)
    with tenant_context(tenant_a):
        renditions = list(image.renditions.all())
        original = image.file.open("rb").read()
    assert PIL.Image.open(io.BytesIO(original)).getexif().get_ifd(EXIF_GPS_IFD)  # the original kept it
    for rendition in renditions:
        served = _open(client_a, rendition.url)
        assert served.height > served.width, rendition.url
        exif = served.getexif()
        assert not exif.get_ifd(EXIF_GPS_IFD) and 0x010F not in exif, f"{rendition.url} still has EXIF"


def test_renditions_are_served_immutable_and_only_on_their_tenants_host(image_factory, tenant_a, client_a, client_b):
    image = image_factory(tenant_a)
    with tenant_context(tenant_a):
        rendition = image.renditions.get(format="webp", width=640)
    response = client_a.get(rendition.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client_a.get(rendition.url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    # The same path on beta's host looks in beta's folder: nothing of alpha's is there.
    assert client_b.get(rendition.url).status_code == 404
    # Originals are never public, on any host; nor is any path outside the renditions.
    with tenant_context(tenant_a):
        original = f"/media/{image.file.name}"
    for path in (original, "/media/images/r/../o/x.jpg", "/media/../secret_key", rendition.url + "x"):
        assert client_a.get(path).status_code == 404, path
    assert client_a.get(rendition.url.replace("-640w-", "-641w-")).status_code == 404


def test_the_same_file_uploaded_twice_is_one_image(tenant_a):
    data = photo(seed=7)
    with tenant_context(tenant_a):
        first, created = services.image_upload(file=upload(data), alt="Once")
        again, created_again = services.image_upload(file=upload(data, "copy.jpg"), alt="Twice")
        assert (created, created_again) == (True, False)
        assert again.pk == first.pk and again.alt == "Once"
        assert Image.objects.count() == 1


def test_the_real_worker_makes_the_renditions_after_the_commit(celery_worker, django_db_blocker):
    """An upload queues the task on commit; the worker (its own process, the tenant's
    schema carried by the task) writes the files and the rows. (No `db` fixture: its
    transaction would never commit.)"""
    from django.test import Client

    from config.testing import TENANT_A
    from tenants.models import Tenant

    visitor = Client(HTTP_HOST=TENANT_A[2])
    with django_db_blocker.unblock():
        tenant = Tenant.objects.get(schema_name="alpha")
        with tenant_context(tenant):
            image, created = services.image_upload(file=upload(photo(1400, 900, seed=99)), alt="Made by the worker")
        try:
            assert created and image.status == Image.Status.PENDING
            deadline = time.monotonic() + 60
            while True:
                with tenant_context(tenant):
                    image.refresh_from_db()
                    widths = sorted(set(Rendition.objects.filter(image=image).values_list("width", flat=True)))
                    url = Rendition.objects.filter(image=image, format="webp").values_list("file", flat=True).first()
                if image.status != Image.Status.PENDING:
                    break
                assert time.monotonic() < deadline, "the worker made no renditions in 60 s"
                time.sleep(0.2)
            assert image.status == Image.Status.READY
            assert widths == [320, 640, 960, 1280, 1400]  # and its own width, under 1920
            assert visitor.get(f"/media/{url}").status_code == 200
        finally:
            with tenant_context(tenant):
                services.image_delete(image=image)
        assert visitor.get(f"/media/{url}").status_code == 404  # the files went with the row


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "AVIF"])
def test_other_formats_get_a_fallback_browsers_read(image_factory, tenant_a, fmt):
    image = image_factory(tenant_a, width=700, height=400, fmt=fmt)
    with tenant_context(tenant_a):
        formats = set(image.renditions.values_list("format", flat=True))
    assert formats == ({"webp", "png"} if fmt == "GIF" else {"webp", "jpeg"})


def test_deleting_a_tenant_deletes_its_files(db, django_capture_on_commit_callbacks):
    from pathlib import Path

    from django.conf import settings
    from django.db import connection

    from images.tests.utils import media_files
    from tenants import services as tenant_services

    tenant = tenant_services.tenant_provision(name="gamma", display_name="Gamma", domains=["gamma.localhost"])
    with tenant_context(tenant):
        services.image_upload(file=upload(photo(400, 300, seed=77)), alt="Soon gone")
    assert len(media_files(tenant)) == 1
    with connection.cursor() as cursor:  # the test's one transaction: check the FKs now, not at the end
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with django_capture_on_commit_callbacks(execute=True):
        tenant_services.tenant_delete(tenant=tenant)
    assert not (Path(settings.MEDIA_ROOT) / "gamma").exists()
