"""The Ask box in Debian's Chromium (Playwright) against the real web server: the model's
answer (the fake model, streaming one word every 150 ms over real HTTP) reaches the page
chunk by chunk, then its citations; the `answer` block on a published page does the same."""

import time

import pytest
from django_tenants.utils import tenant_context

from config.testing import TENANT_A
from content import services
from content.models import Page
from content.tests.test_e2e_browser import CHROMIUM, CHROMIUM_ARGS

REPLY = "The A1 lifts a payload of 12 kg [1] and reaches 900 mm [1], with a vision check [7] included."
SHOWN = "The A1 lifts a payload of 12 kg [1] and reaches 900 mm [1], with a vision check included."
SLUGS = ("e2e-a1", "e2e-ask")


@pytest.fixture(scope="module")
def committed_site(django_db_setup, django_db_blocker, fake_model_server):
    from answers.models import AnswerRecord, AnswerSettings
    from search.services import page_index
    from tenants.models import Tenant

    with django_db_blocker.unblock():
        tenant = Tenant.objects.get(schema_name=TENANT_A[0])
        with tenant_context(tenant):
            Page.objects.filter(slug__in=SLUGS).delete()
            page = services.page_create(
                user=None,
                slug=SLUGS[0],
                title="A1 arm",
                blocks=[
                    {"type": "heading", "text": "Payload", "level": 2},
                    {"type": "paragraph", "html": "<p>The A1 lifts a payload of 12 kg with a reach of 900 mm.</p>"},
                ],
            )
            services.page_publish(page=page, user=None)
            page_index(page_id=page.pk)
            ask = services.page_create(
                user=None,
                slug=SLUGS[1],
                title="Ask us",
                blocks=[{"type": "answer", "title": "Ask about our arms", "question": "What payload can the A1 lift?"}],
            )
            services.page_publish(page=ask, user=None)
            AnswerSettings.objects.all().delete()
            AnswerSettings.objects.create(base_url=fake_model_server.base_url, model="fake-model")
        yield tenant
        with tenant_context(tenant):
            for page in Page.objects.filter(slug__in=SLUGS):
                services.page_delete(page=page, user=None)
            AnswerSettings.objects.all().delete()
            AnswerRecord.objects.all().delete()


def _watch(page, selector: str, seconds: float = 30) -> list[str]:
    """The distinct texts of `selector` until the answer is done (aria-busy false)."""
    seen: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        text = page.eval_on_selector(selector, "e => e.textContent") if page.query_selector(selector) else ""
        if text and (not seen or seen[-1] != text):
            seen.append(text)
        if page.get_attribute("[data-ask-output]", "aria-busy") == "false":
            return seen
        page.wait_for_timeout(20)
    raise AssertionError(f"the answer did not finish in {seconds} s: {seen}")


@pytest.mark.django_db
@pytest.mark.parametrize("web_server", ["granian"], indirect=True)
def test_the_answer_streams_into_the_page_chunk_by_chunk(web_server, committed_site, fake_model_server, monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    fake_model_server.reset(reply=REPLY, delay=0.15)
    site = f"http://{TENANT_A[2]}:{web_server}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{site}/search/?q=A1+payload")
            page.fill(".ask-form input[name=q]", "What payload can the A1 lift?")
            page.click(".ask-form button")
            seen = _watch(page, ".ask-text")
            # Word by word: many partial texts, each a prefix of the next, before the whole.
            assert len(seen) >= 5, seen
            assert all(seen[i + 1].startswith(seen[i].rstrip()) for i in range(len(seen) - 1)), seen
            assert seen[-1] == SHOWN
            assert page.get_attribute("[data-ask-output]", "data-mode") == "model"
            link = page.query_selector(".ask-citations a")
            assert link.text_content() == "A1 arm" and link.get_attribute("href").startswith(f"/{SLUGS[0]}/#")
            # What the model was sent: this site's passage only.
            sent = fake_model_server.requests[-1]["messages"][1]["content"]
            assert "12 kg with a reach of 900 mm" in sent

            # The `answer` block on a published page asks the same way.
            fake_model_server.reset(reply=REPLY, delay=0.05)
            page.goto(f"{site}/{SLUGS[1]}/")
            assert page.input_value(".b-answer input[name=q]") == "What payload can the A1 lift?"
            page.click(".b-answer button")
            seen = _watch(page, ".b-answer .ask-text")
            assert seen[-1] == SHOWN and len(seen) >= 3
        finally:
            browser.close()
