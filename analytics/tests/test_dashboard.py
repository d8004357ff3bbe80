"""The tenant admin's index is a dashboard of the tenant's own numbers (and only its own),
refreshed from a fragment, with CSV exports; the platform admin shows visits per tenant;
GET /api/analytics/<series> returns the same series (scope analytics:read)."""

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from analytics.tests.utils import BROWSER, publish, rollup
from api.tests.utils import api_key_header, bearer, token_pair
from content.tests.utils import admin_login

pytestmark = pytest.mark.usefixtures("committed")
JSON = "application/json"


@pytest.fixture
def numbers():
    """alpha: 3 views of /about/ from news.example (2 visitors), a search that found
    nothing; beta: 1 view of /secret-beta-page/."""
    publish("alpha", "about")
    publish("beta", "secret-beta-page")
    alpha = Client(HTTP_HOST="alpha.localhost")
    for ip in ("198.51.100.1", "198.51.100.2", "198.51.100.2"):
        alpha.get("/about/", HTTP_USER_AGENT=BROWSER, REMOTE_ADDR=ip, HTTP_REFERER="https://news.example/a")
    alpha.get("/search/", {"q": "opening hours", "mode": "keyword"})
    Client(HTTP_HOST="beta.localhost").get("/secret-beta-page/", HTTP_USER_AGENT=BROWSER)
    rollup("alpha")
    rollup("beta")


def test_the_admin_index_is_the_tenants_own_dashboard(numbers, editor_a, django_assert_max_num_queries):
    client = admin_login(Client(HTTP_HOST="alpha.localhost"), editor_a)
    with django_assert_max_num_queries(15):  # one per series read, the answers included
        response = client.get("/admin/")
    assert response.status_code == 200
    html = response.text
    assert 'id="analytics"' in html and "analytics/dashboard.js" in html
    assert 'id="analytics-visits-chart"' in html and "<polyline" in html
    assert '<strong id="analytics-views">3</strong>' in html
    assert '<strong id="analytics-uniques">2</strong>' in html
    assert "/about/" in html and "news.example" in html and "opening hours" in html
    assert "secret-beta-page" not in html  # beta's numbers never show on alpha's admin
    assert "About" in html  # latest edits (the publish made a revision)
    assert 'id="app-list"' in html or "content" in html  # the app list is still there


def test_the_fragment_refreshes_the_numbers_and_periods(numbers, editor_a):
    client = admin_login(Client(HTTP_HOST="alpha.localhost"), editor_a)
    Client(HTTP_HOST="alpha.localhost").get("/about/", HTTP_USER_AGENT=BROWSER)
    rollup("alpha")
    for days in (7, 30, 90):
        response = client.get("/admin/analytics/dashboard/", {"days": days})
        assert response.status_code == 200
        assert '<strong id="analytics-views">4</strong>' in response.text
        assert response.text.count("<polyline") == 4  # visits and answers, two lines each
    assert client.get("/admin/analytics/dashboard/", {"days": "x"}).status_code == 200  # 30 days


def test_csv_exports(numbers, editor_a):
    client = admin_login(Client(HTTP_HOST="alpha.localhost"), editor_a)
    response = client.get("/admin/analytics/export/visits.csv", {"days": 7})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 7
    today = rows[-1]
    assert today["day"] == dt.datetime.now(dt.UTC).date().isoformat()
    assert (today["views"], today["uniques"], today["bots"]) == ("3", "2", "0")
    pages = list(csv.DictReader(io.StringIO(client.get("/admin/analytics/export/pages.csv").content.decode())))
    assert pages == [{"key": "about", "count": "3"}]
    empty = client.get("/admin/analytics/export/searches-empty.csv").content.decode()
    assert "opening hours" in empty
    assert client.get("/admin/analytics/export/nothing.csv").status_code == 404


def test_visitors_and_other_tenants_editors_get_no_numbers(numbers, editor_b):
    anonymous = Client(HTTP_HOST="alpha.localhost")
    for path in ("/admin/analytics/dashboard/", "/admin/analytics/export/visits.csv"):
        response = anonymous.get(path)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    beta = admin_login(Client(HTTP_HOST="beta.localhost"), editor_b)
    html = beta.get("/admin/analytics/dashboard/").text
    assert "secret-beta-page" in html and "/about/" not in html and "news.example" not in html


def test_the_platform_admin_shows_visits_per_tenant(numbers):
    connection.set_schema_to_public()  # the requests above left it on a tenant's
    user = get_user_model().objects.create_superuser("analytics-root", "root@platform.example", "platform-root-pass")
    try:
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        html = client.get("/admin/").text
        assert 'id="analytics-tenants"' in html
        assert "Alpha Bikes" in html and "Beta Bakery" in html
        rows = {
            row["tenant"]: row
            for row in csv.DictReader(io.StringIO(client.get("/admin/analytics/tenants.csv").content.decode()))
        }
        assert (rows["alpha"]["views"], rows["alpha"]["uniques"]) == ("3", "2")
        assert rows["beta"]["views"] == "1"
        assert Client(HTTP_HOST="localhost").get("/admin/analytics/tenants/").status_code == 302
    finally:
        # Not user.delete(): its cascade looks for tenant tables (revisions) in public.
        get_user_model().objects.filter(pk=user.pk)._raw_delete("default")


def test_the_api_returns_the_series_for_a_key_with_the_scope(numbers, key_factory, tenant_a, tenant_b):
    alpha = Client(HTTP_HOST="alpha.localhost")
    key = key_factory(tenant_a, ["analytics:read"])
    response = alpha.get("/api/analytics/visits", {"days": 7}, **api_key_header(key))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["series"] == "visits" and body["days"] == 7 and len(body["rows"]) == 7
    assert body["rows"][-1] == {"day": dt.datetime.now(dt.UTC).date().isoformat(), "views": 3, "uniques": 2, "bots": 0}
    pages = alpha.get("/api/analytics/pages", **api_key_header(key)).json()
    assert pages["rows"] == [{"key": "about", "count": 3}]

    other = key_factory(tenant_a, ["pages:read"])
    denied = alpha.get("/api/analytics/visits", **api_key_header(other))
    assert denied.status_code == 403 and "analytics:read" in denied.json()["detail"]
    unknown = alpha.get("/api/analytics/nothing", **api_key_header(key))
    assert unknown.status_code == 422 and unknown["Content-Type"] == "application/problem+json"
    bad_days = alpha.get("/api/analytics/visits", {"days": 0}, **api_key_header(key))
    assert bad_days.status_code == 422

    key_b = key_factory(tenant_b, ["analytics:read"])
    assert Client(HTTP_HOST="alpha.localhost").get("/api/analytics/pages", **api_key_header(key_b)).status_code == 401
    beta_pages = Client(HTTP_HOST="beta.localhost").get("/api/analytics/pages", **api_key_header(key_b)).json()
    assert beta_pages["rows"] == [{"key": "secret-beta-page", "count": 1}]


def test_the_api_for_an_editor_with_a_token(numbers, editor_a):
    alpha = Client(HTTP_HOST="alpha.localhost")
    token = token_pair(alpha, editor_a)["access"]
    response = alpha.get("/api/analytics/referrers", **bearer(token))
    assert response.status_code == 200, response.content
    assert response.json()["rows"] == [{"key": "news.example", "count": 3}]


def test_answers_show_by_kind_with_their_cost_per_tenant(
    editor_a, editor_b, tenant_a, tenant_b, key_factory, embedder, settings
):
    """Two questions asked on alpha's API (one answered from its page, one with nothing on
    the site), none on beta: alpha's dashboard, CSV and API count them by kind with a
    latency; beta's show none."""
    from search.services import page_index

    settings.LLM_BASE_URL = ""  # no model: extractive answers
    page = publish("alpha", "a1", "The A1 lifts a payload of 12 kg with a reach of 900 mm.")
    with schema_context("alpha"):
        page_index(page_id=page.pk, embedder=embedder)
    key = key_factory(tenant_a, ["search:read", "analytics:read"])
    alpha = Client(HTTP_HOST="alpha.localhost")

    def ask(question):
        response = alpha.post("/api/answers", {"question": question}, content_type=JSON, **api_key_header(key))
        assert response.status_code == 200, response.content
        return response.json()["mode"]

    assert ask("What payload can the A1 lift?") == "extractive"
    assert ask("zqattack") == "none"
    rollup("alpha")
    rollup("beta")

    html = admin_login(Client(HTTP_HOST="alpha.localhost"), editor_a).get("/admin/analytics/dashboard/").text
    assert 'id="analytics-answers-chart"' in html
    assert '<strong id="analytics-answers">2</strong> answers, 1 without one' in html
    assert "typical latency" in html
    rows = list(
        csv.DictReader(
            io.StringIO(
                admin_login(Client(HTTP_HOST="alpha.localhost"), editor_a)
                .get("/admin/analytics/export/answers.csv", {"days": 7})
                .content.decode()
            )
        )
    )
    today = rows[-1]
    assert len(rows) == 7 and today["day"] == dt.datetime.now(dt.UTC).date().isoformat()
    assert (today["answers"], today["extractive"], today["none"], today["model"]) == ("2", "1", "1", "0")
    assert int(today["latency_p50_ms"]) >= 0 and rows[0]["latency_p50_ms"] == ""  # no answers that day
    api = alpha.get("/api/analytics/answers", {"days": 1}, **api_key_header(key)).json()
    assert api["rows"][0]["answers"] == 2 and api["rows"][0]["tokens_in"] == 0

    beta = admin_login(Client(HTTP_HOST="beta.localhost"), editor_b).get("/admin/analytics/dashboard/").text
    assert '<strong id="analytics-answers">0</strong> answers, 0 without one' in beta
