"""Outages degrade, they don't break: the test Redis and the test PostgreSQL are stopped
for real (config.services, as `bin/run` would lose them), then started again.

- Redis down: visitors' pages are rendered from the database, API reads answer, a publish
  is accepted and kept in the outbox (content.PageChange); once Redis is back the sweep
  drops the stale cache entry and the page is indexed. The outage is logged once.
- PostgreSQL down: a cached page is still served (it needs no SQL); everything else is a
  503 with Retry-After (problem+json under /api/, a plain page elsewhere) and /readyz is
  503; gunicorn's worker answers 200 again once PostgreSQL is back, without a restart.
"""

import json
import logging
import time
import urllib.error
import urllib.request
from email.message import Message

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections
from django.test import Client
from django_tenants.utils import schema_context

from api.tests.utils import bearer, token_pair
from config import services as embedded
from config import testing
from config.errors import RETRY_AFTER_SECONDS
from config.outage import outage_log_reset
from content.models import Page, PageChange
from search.models import Chunk

PROBLEM = "application/problem+json"


def _purge(*schemas):
    for schema in schemas:
        with schema_context(schema):
            Page.objects.all().delete()  # chunks and revisions go with their pages
            PageChange.objects.all().delete()


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """Committed rows (the worker and gunicorn see them), wiped afterwards."""
    with django_db_blocker.unblock():
        _purge("alpha", "beta")
        yield
        connections.close_all()  # a connection may have died with its server
        _purge("alpha", "beta")


def _publish(schema: str, slug: str, text: str) -> Page:
    from content.services import page_create, page_publish

    with schema_context(schema):
        page = page_create(user=None, slug=slug, title=slug.title(), blocks=[{"type": "paragraph", "html": text}])
        return page_publish(page=page, user=None)


def wait_for(predicate, timeout=90.0, what="the condition"):
    """config.testing.wait_for with this file's longer default (indexing after an outage)."""
    return testing.wait_for(predicate, timeout, 0.2, what=what)


# --- Redis ------------------------------------------------------------------------------


def test_readyz_is_503_naming_redis_while_it_is_down(db, client):
    embedded.redis_stop(settings.DATA_DIR)
    try:
        response = client.get("/readyz", HTTP_HOST="alpha.localhost")
    finally:
        embedded.redis_url(settings.DATA_DIR)
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "ok"
    assert response.json()["checks"]["redis"].startswith("error")
    assert client.get("/readyz", HTTP_HOST="alpha.localhost").status_code == 200


def _indexed(schema: str, page_id: int, word: str) -> bool:
    with schema_context(schema):
        return Chunk.objects.filter(page_id=page_id, text__contains=word).exists()


@pytest.mark.usefixtures("committed")
def test_redis_down_pages_and_api_reads_answer_and_a_publish_is_indexed_when_it_returns(
    celery_worker, editor_a, editor_b, caplog
):
    from content.tasks import page_changes_sweep

    page_a = _publish("alpha", "menu", "<p>Old espresso list</p>")
    page_b = _publish("beta", "menu", "<p>Beta's rye bread</p>")
    visitor = Client(HTTP_HOST="alpha.localhost")
    assert "Old espresso" in visitor.get("/menu/").text  # now in the page cache
    alpha, beta = Client(HTTP_HOST="alpha.localhost"), Client(HTTP_HOST="beta.localhost")
    token_a, token_b = token_pair(alpha, editor_a)["access"], token_pair(beta, editor_b)["access"]
    wait_for(lambda: _indexed("alpha", page_a.pk, "Old espresso"), what="the first indexing")

    outage_log_reset()
    embedded.redis_stop(settings.DATA_DIR)
    try:
        with caplog.at_level(logging.WARNING, logger="outage"):
            for _ in range(3):
                response = visitor.get("/menu/")
                assert response.status_code == 200
                assert "Old espresso" in response.text  # from the database
            assert visitor.get("/").status_code == 200  # the "coming soon" page: no home page yet
            listed = alpha.get("/api/pages", **bearer(token_a))
            assert listed.status_code == 200, listed.content
            assert [p["slug"] for p in listed.json()["items"]] == ["menu"]

            changed = {"blocks": [{"type": "paragraph", "html": "<p>New flat white list</p>"}]}
            for client, token, slug in ((alpha, token_a, "menu"), (beta, token_b, "menu")):
                patched = client.patch(f"/api/pages/{slug}", changed, "application/json", **bearer(token))
                assert patched.status_code == 200, patched.content
                published = client.post(f"/api/pages/{slug}/-/publish", **bearer(token))
                assert published.status_code == 200, published.content
            assert "New flat white" in visitor.get("/menu/").text  # visitors see it at once
        outage_lines = [r for r in caplog.records if r.name == "outage" and "redis unavailable" in r.getMessage()]
        assert len(outage_lines) == 1, [r.getMessage() for r in outage_lines]  # not once per request
        for schema in ("alpha", "beta"):
            with schema_context(schema):
                assert PageChange.objects.count() == 2  # the update and the publish, kept for the sweep
    finally:
        embedded.redis_url(settings.DATA_DIR)

    # Redis kept the entry cached before the outage (append-only file): still stale now.
    assert "Old espresso" in visitor.get("/menu/").text
    # What beat runs every minute; grace 0 because the test cannot wait.
    page_changes_sweep.apply_async(kwargs={"grace_seconds": 0}, retry=True)
    wait_for(lambda: _indexed("alpha", page_a.pk, "flat white"), what="alpha's page indexed after the outage")
    wait_for(lambda: _indexed("beta", page_b.pk, "flat white"), what="beta's page indexed after the outage")
    html = visitor.get("/menu/").text
    assert "New flat white" in html and "Old espresso" not in html
    for schema, page in (("alpha", page_a), ("beta", page_b)):
        with schema_context(schema):
            assert PageChange.objects.count() == 0
            assert set(Chunk.objects.values_list("page_id", flat=True)) == {page.pk}  # each tenant its own


# --- PostgreSQL -------------------------------------------------------------------------


def _get(port: int, path: str, host: str, headers: dict | None = None) -> tuple[int, Message, bytes]:
    """Status, headers (looked up case-insensitively: granian sends names in lowercase,
    gunicorn capitalised) and body."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 (our test server)
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.mark.usefixtures("committed")
def test_postgres_down_is_a_503_and_the_product_recovers_by_itself(web_server, editor_a):
    _publish("alpha", "cached", "<p>Served from Redis</p>")
    _publish("alpha", "uncached", "<p>Needs the database</p>")
    port = web_server
    assert _get(port, "/cached/", "alpha.localhost")[0] == 200  # now in the page cache
    token = token_pair(Client(HTTP_HOST="alpha.localhost"), editor_a)["access"]
    auth = {"Authorization": f"Bearer {token}"}
    assert _get(port, "/api/pages", "alpha.localhost", auth)[0] == 200

    connections.close_all()
    embedded.postgres_stop(settings.DATA_DIR)
    try:
        status, _, body = _get(port, "/cached/", "alpha.localhost")
        assert (status, b"Served from Redis" in body) == (200, True)  # a cached page needs no SQL

        status, headers, body = _get(port, "/uncached/", "alpha.localhost")
        assert status == 503, body[:300]
        assert headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert headers["Content-Type"].startswith("text/html") and b"Traceback" not in body

        status, headers, body = _get(port, "/api/pages", "alpha.localhost", auth)
        assert status == 503, body[:300]
        assert headers["Content-Type"] == PROBLEM and headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert "unavailable" in json.loads(body)["detail"].lower()

        status, _, body = _get(port, "/readyz", "alpha.localhost")
        assert status == 503 and json.loads(body)["checks"]["database"] != "ok"
    finally:
        embedded.postgres_url(settings.DATA_DIR)

    # The same gunicorn worker, not restarted: its next requests reconnect.
    wait_for(lambda: _get(port, "/api/pages", "alpha.localhost", auth)[0] == 200, 30, "the API to answer again")
    status, _, body = _get(port, "/uncached/", "alpha.localhost")
    assert (status, b"Needs the database" in body) == (200, True)
    assert _get(port, "/readyz", "alpha.localhost")[0] == 200


# --- PostgreSQL and the worker (found by bench/soak.py) ----------------------------------


@pytest.mark.usefixtures("committed")
def test_postgres_down_a_task_waits_for_its_tenant_schema_instead_of_running_without_it(celery_worker):
    """tenant-schemas-celery looks the tenant up in a task_prerun receiver, whose error
    Celery only logs: with PostgreSQL down the task ran anyway, in the public schema (and
    failed). Now it is retried until its own schema can be activated."""
    from tenants.tasks import tenant_whoami

    connections.close_all()
    embedded.postgres_stop(settings.DATA_DIR)
    try:
        with schema_context("alpha"):  # sending needs only the broker
            result = tenant_whoami.delay()
        time.sleep(3)  # the worker takes it while PostgreSQL is down
    finally:
        embedded.postgres_url(settings.DATA_DIR)
    answer = result.get(timeout=90)
    assert answer["schema"] == "alpha"
    with schema_context("alpha"):
        users = sorted(get_user_model().objects.values_list("username", flat=True))
    assert users and answer["users"] == users  # alpha's users, read in alpha's schema


@pytest.mark.usefixtures("committed")
def test_postgres_down_while_a_page_is_indexed_the_page_is_indexed_once_it_returns(celery_worker):
    """An index task that met PostgreSQL down was lost (nothing re-sends it once the publish's
    signal went out): the page stayed out of the search for good."""
    from search.tasks import page_index_task

    page = _publish("alpha", "ladders", "<p>Orchard ladders and pruning shears</p>")
    wait_for(lambda: _indexed("alpha", page.pk, "Orchard ladders"), what="the first indexing")
    with schema_context("alpha"):
        Chunk.objects.filter(page=page).delete()

    connections.close_all()
    embedded.postgres_stop(settings.DATA_DIR)
    try:
        with schema_context("alpha"):
            page_index_task.delay(page.pk)
        time.sleep(3)  # the worker meets the outage
    finally:
        embedded.postgres_url(settings.DATA_DIR)
    wait_for(lambda: _indexed("alpha", page.pk, "Orchard ladders"), what="the page indexed after the outage")
    with schema_context("beta"):
        assert not Chunk.objects.exists()  # in alpha's schema, not another
