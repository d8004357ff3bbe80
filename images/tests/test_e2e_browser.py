"""End to end in Debian's Chromium (Playwright), against gunicorn and the real Celery
worker: an editor uploads a photo in the admin, chooses it for a hero in the block
editor, publishes; a visitor on a phone-sized screen gets the srcset and the browser
loads a rendition smaller than the original."""

import time

import pytest
from django_tenants.utils import tenant_context

from config.testing import TENANT_A
from content import services
from content.models import Page
from content.tests.test_e2e_browser import CHROMIUM, CHROMIUM_ARGS
from images import services as image_services
from images.models import Image
from images.tests.utils import photo

SLUG = "e2e-images"
TITLE = "E2E harbour photo"


@pytest.fixture(scope="module")
def committed_page(django_db_setup, django_db_blocker):
    from tenants.models import Tenant

    with django_db_blocker.unblock():
        tenant = Tenant.objects.get(schema_name=TENANT_A[0])
        with tenant_context(tenant):
            Page.objects.filter(slug=SLUG).delete()
            page = services.page_create(
                user=None, slug=SLUG, title="E2E images", blocks=[{"type": "hero", "title": "Harbour tours"}]
            )
            services.page_publish(page=page, user=None)
        yield tenant
        with tenant_context(tenant):
            for page in Page.objects.filter(slug=SLUG):
                services.page_delete(page=page, user=None)
            for image in Image.objects.filter(title=TITLE):
                image_services.image_delete(image=image)


def _ready(tenant, django_db_blocker) -> Image:
    deadline = time.monotonic() + 60
    while True:
        with django_db_blocker.unblock(), tenant_context(tenant):
            image = Image.objects.filter(title=TITLE).first()
            if image is not None and image.status == Image.Status.READY:
                return image
        assert time.monotonic() < deadline, "no renditions within 60 s"
        time.sleep(0.3)


@pytest.mark.django_db
# Once, on the default server: the upload de-duplicates by content, so a second run on the
# other server would find its photo already in the library (both servers serve the admin
# and renditions in config/tests/test_web_servers.py and images/tests).
@pytest.mark.parametrize("web_server", ["granian"], indirect=True)
def test_upload_choose_publish_and_the_phone_gets_a_small_rendition(
    web_server, celery_worker, committed_page, django_db_blocker, tmp_path, monkeypatch
):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's few ORM reads
    # while it runs (waiting for the worker) are plain synchronous calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    original = tmp_path / "harbour.jpg"
    original.write_bytes(photo(2400, 1600, seed=42, quality=92))
    site = f"http://{TENANT_A[2]}:{web_server}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            editor = browser.new_page()
            editor.goto(f"{site}/admin/login/")
            editor.fill("#id_username", TENANT_A[3])
            editor.fill("#id_password", TENANT_A[4])
            editor.click("input[type=submit]")

            editor.goto(f"{site}/admin/images/image/add/")
            editor.set_input_files("#images-files", str(original))
            editor.fill(".images-row input[name=title]", TITLE)
            editor.fill(".images-row input[name=alt]", "Fishing boats moored in a small harbour at dawn")
            editor.click("input[type=submit]")
            editor.wait_for_url("**/admin/images/image/")
            assert "1 image(s) added to the library." in editor.content()
            image = _ready(committed_page, django_db_blocker)

            editor.goto(f"{site}/admin/content/page/?q={SLUG}")
            editor.click(f"text=/{SLUG}/ >> xpath=ancestor::tr//th/a")
            editor.click(".images-choose")  # the hero's image field
            editor.fill("dialog.images-chooser input[type=search]", "harbour")
            editor.click(f"dialog.images-chooser button[data-image-id='{image.pk}']")
            editor.wait_for_selector(".images-chosen img")
            editor.click("input[name=_publish]")
            editor.wait_for_url("**/admin/content/page/**")
            assert "errornote" not in editor.content()

            phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
            fetched: dict[str, int] = {}
            phone.on("requestfinished", lambda r: fetched.__setitem__(r.url, r.sizes()["responseBodySize"]))
            phone.goto(f"{site}/{SLUG}/")
            hero = phone.locator("img.hero-image")
            assert hero.get_attribute("srcset").count("w, ") >= 3
            assert hero.get_attribute("width") == "2400" and hero.get_attribute("height") == "1600"
            phone.wait_for_function("() => document.querySelector('img.hero-image').complete")
            chosen = phone.evaluate("() => document.querySelector('img.hero-image').currentSrc")
            natural = phone.evaluate("() => document.querySelector('img.hero-image').naturalWidth")
        finally:
            browser.close()
    assert "/media/images/r/" in chosen and chosen.endswith(".webp"), chosen
    assert natural < 2400, natural  # a rendition, not the original
    assert 0 < fetched[chosen] < original.stat().st_size / 2, (fetched[chosen], original.stat().st_size)
