"""Fixtures of the events tests: a fake Meta Graph API (events/tests/fake_meta.py) and
committed data for the tests that need the real Celery worker. Helpers are in utils.py."""

import os

import pytest

from events.tests.fake_meta import FakeMeta
from events.tests.utils import events_purge

# Short retries for the worker processes the tests start (read by their settings).
os.environ.setdefault("EVENTS_RETRY_BASE_SECONDS", "0.2")
os.environ.setdefault("EVENTS_RETRY_MAX_SECONDS", "0.5")
os.environ.setdefault("EVENTS_HTTP_TIMEOUT", "1")
os.environ.setdefault("EVENTS_MAX_ATTEMPTS", "5")


@pytest.fixture
def fake_meta():
    fake = FakeMeta()
    yield fake
    fake.close()


@pytest.fixture
def committed(django_db_blocker, django_db_setup):
    """Run the test on committed data (the worker sees it); wiped afterwards."""
    with django_db_blocker.unblock():
        events_purge("alpha", "beta")
        yield
        events_purge("alpha", "beta")


@pytest.fixture(autouse=True)
def _webhooks_through_the_web_servers_app(monkeypatch):
    """Every webhook POST of Django's test client in these tests goes through the WSGI
    application the web servers load (config.wsgi: events.keeper, then Django), so each
    test holds with the keeper in front (on by default; EVENTS_WEBHOOK_KEEPER=0 leaves
    every request to Django)."""
    from django.core.handlers.wsgi import WSGIRequest
    from django.http import HttpResponse
    from django.test.client import ClientHandler

    from events.tests.utils import wsgi_call

    django_call = ClientHandler.__call__

    def call(self, environ):
        if environ.get("REQUEST_METHOD") != "POST" or not environ.get("PATH_INFO", "").startswith("/api/webhooks/"):
            return django_call(self, environ)
        answer = wsgi_call(environ)
        response = HttpResponse(answer.body, status=answer.code)
        for name, value in answer.headers:
            response.headers[name] = value
        response.by_keeper = answer.by_keeper
        response.wsgi_request = WSGIRequest(environ)  # as ClientHandler attaches it
        return response

    monkeypatch.setattr(ClientHandler, "__call__", call)
