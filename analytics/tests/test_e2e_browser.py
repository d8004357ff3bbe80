"""The dashboard in a real browser (Debian's Chromium driven by Playwright) against the web
server bin/run starts: the chart is drawn, a visitor's new view shows up without a
reload (the page polls its numbers), and a series downloads as CSV."""

import re
import time

import pytest
from django.db import connections

from analytics.tests.utils import BROWSER, day_counts, publish, rollup
from config.testing import TENANT_A
from content.tests.test_e2e_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.usefixtures("committed"), pytest.mark.slow]


def _rolled_up_views(schema: str, at_least: int, timeout: float = 20.0) -> int:
    """Roll up until the server's flushed views are in (it flushes every second)."""
    deadline = time.monotonic() + timeout
    while True:
        rollup(schema)
        views = day_counts(schema, "v").get("*", 0)
        if views >= at_least or time.monotonic() > deadline:
            return views
        time.sleep(0.3)


def test_the_dashboard_draws_its_chart_refreshes_live_and_exports_csv(web_server, tmp_path, monkeypatch):
    from playwright.sync_api import expect, sync_playwright

    # The roll-up runs here, between browser steps: Playwright's sync API keeps an event
    # loop running in this thread, which Django would take for an async context.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    publish("alpha", "live-page")
    alpha = f"http://{TENANT_A[2]}:{web_server}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # In Playwright's context Django has other connections, which may be from before a
        # PostgreSQL restart (config's outage tests run before with the same web server).
        connections.close_all()
        try:
            visitor = browser.new_page(user_agent=BROWSER)  # "HeadlessChrome" is counted as a bot
            assert visitor.goto(f"{alpha}/live-page/").ok
            assert _rolled_up_views("alpha", 1) == 1

            editor = browser.new_page()
            editor.goto(f"{alpha}/admin/login/")
            editor.fill("#id_username", TENANT_A[3])
            editor.fill("#id_password", TENANT_A[4])
            editor.click("input[type=submit]")
            editor.wait_for_url(f"{alpha}/admin/")
            views = editor.locator("#analytics-views")
            expect(views).to_have_text("1")
            chart = editor.locator("#analytics-visits-chart polyline.views")
            expect(chart).to_have_count(1)
            points = chart.get_attribute("points")
            assert len(points.split()) == 30  # one point per day of the default period
            box = editor.locator("#analytics-visits-chart").bounding_box()
            assert box["width"] > 200 and box["height"] > 50  # drawn, not hidden

            editor.evaluate("window.notReloaded = true")
            for _ in range(2):
                assert visitor.goto(f"{alpha}/live-page/").ok  # the second is a cache hit
            assert _rolled_up_views("alpha", 3) == 3
            expect(views).to_have_text("3", timeout=15_000)  # polled, no reload
            assert editor.evaluate("window.notReloaded") is True
            expect(editor.locator("#analytics-pages")).to_contain_text("/live-page/")

            editor.click("#analytics a[data-days='7']")
            expect(editor.locator("#analytics-visits-chart polyline.views")).to_have_attribute(
                "points", re.compile(r"^(\S+ ){6}\S+$")
            )  # 7 points

            with editor.expect_download() as download_info:
                editor.click("#analytics-pages caption a")
            download = download_info.value
            path = tmp_path / download.suggested_filename
            download.save_as(path)
            assert download.suggested_filename == "alpha-pages-7d.csv"
            assert path.read_text().splitlines() == ["key,count", "live-page,3"]
        finally:
            browser.close()
