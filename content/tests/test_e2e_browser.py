"""End to end in a real browser: headless Chromium (Debian) driven by Playwright, against
gunicorn serving the test database. An editor of alpha edits and publishes a block in the
structured editor; alpha's visitors see it, beta's same page does not change."""

import pytest
from django_tenants.utils import tenant_context

from config.testing import TENANT_A, TENANT_B
from content import services
from content.models import Page

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SLUG = "e2e-browser"


@pytest.fixture(scope="module")
def committed_pages(django_db_setup, django_db_blocker, web_server):
    """The same slug in both tenants, committed so the server process sees them
    (module scope: set up before, and torn down after, the test's own transaction; once
    per web server, as the test's edit changes them)."""
    from tenants.models import Tenant

    with django_db_blocker.unblock():
        tenants = [Tenant.objects.get(schema_name=spec[0]) for spec in (TENANT_A, TENANT_B)]
        for tenant, text in zip(tenants, ("Alpha original", "Beta original"), strict=True):
            with tenant_context(tenant):
                Page.objects.filter(slug=SLUG).delete()
                page = services.page_create(
                    user=None,
                    slug=SLUG,
                    title="E2E",
                    blocks=[{"type": "cta", "label": text, "url": "/"}],
                )
                services.page_publish(page=page, user=None)
        yield
        for tenant in tenants:
            with tenant_context(tenant):
                for page in Page.objects.filter(slug=SLUG):
                    services.page_delete(page=page, user=None)


@pytest.mark.django_db  # creates the test database; the data is committed by the fixture
def test_editor_publishes_in_the_browser_and_only_their_site_changes(web_server, committed_pages):
    from playwright.sync_api import sync_playwright

    alpha = f"http://{TENANT_A[2]}:{web_server}"
    beta = f"http://{TENANT_B[2]}:{web_server}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            assert "Alpha original" in page.goto(f"{alpha}/{SLUG}/").text()  # cached from now on

            page.goto(f"{alpha}/admin/login/")
            page.fill("#id_username", TENANT_A[3])
            page.fill("#id_password", TENANT_A[4])
            page.click("input[type=submit]")
            page.goto(f"{alpha}/admin/content/page/?q={SLUG}")
            page.click(f"text=/{SLUG}/ >> xpath=ancestor::tr//th/a")
            find_label = (
                "() => [...document.querySelectorAll('input, textarea')].find(e => e.value === 'Alpha original')"
            )
            page.wait_for_function(find_label)  # the editor is rendered by JavaScript
            field = page.evaluate_handle(find_label).as_element()
            assert field is not None, "the block's label field is not in the structured editor"
            field.fill("Alpha published from the browser")
            page.click("input[name=_publish]")
            page.wait_for_url("**/admin/content/page/**")
            assert "errornote" not in page.content()

            visitor = browser.new_page()  # no session: served like any visitor
            alpha_html = visitor.goto(f"{alpha}/{SLUG}/").text()
            assert "Alpha published from the browser" in alpha_html
            assert "Alpha original" not in alpha_html
            beta_html = visitor.goto(f"{beta}/{SLUG}/").text()
            assert "Beta original" in beta_html
            assert "Alpha published" not in beta_html
        finally:
            browser.close()
