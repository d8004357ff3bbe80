"""Shared fixtures: two tenants, host-bound clients, a real Celery worker.

The tests run against real servers: settings start the embedded PostgreSQL and Redis
under .data/test (pytest sets PYTEST_VERSION), pytest-django creates `test_postgres`
on it, and the session provisions tenant_a (alpha) and tenant_b (beta), committed,
so a worker process or an HTTP server sees them too.
"""

import os

import pytest
from django.db import connection
from django.test import Client

from config.testing import TENANT_A, TENANT_B, celery_worker_start, process_stop, web_server_start
from config.webserver import WEB_SERVERS


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, django_db_keepdb):
    from django.test.utils import setup_databases, teardown_databases

    from tenants import services
    from tenants.models import Tenant

    own = None
    with django_db_blocker.unblock():
        if not connection.settings_dict["NAME"].startswith("test_"):
            # pytest-django creates the test database only for tests marked django_db or
            # using `db`; a run of tests that commit their rows (django_db_blocker) alone
            # would otherwise write to the server's own database.
            own = setup_databases(verbosity=0, interactive=False, keepdb=django_db_keepdb, aliases={"default"})
        services.tenant_pool_fill(size=2)
        for name, display, host, email, password in (TENANT_A, TENANT_B):
            if not Tenant.objects.filter(schema_name=name).exists():
                services.tenant_provision(
                    name=name, display_name=display, domains=[host], admin_email=email, admin_password=password
                )
        services.tenant_pool_fill(size=2)  # no worker refilled it after those two took spares
    yield
    if own is not None:
        with django_db_blocker.unblock():
            teardown_databases(own, verbosity=0, keepdb=django_db_keepdb)


@pytest.fixture(autouse=True)
def _public_schema_and_clean_cache(request):
    """Each test starts on the public schema with an empty cache (db 1 only: the
    broker's queue in db 0 is left alone)."""
    from django.core.cache import cache

    from tenants.routing import local_cache_clear

    cache.clear()
    local_cache_clear()
    yield
    connection.set_schema_to_public()


def _tenant(name):
    from tenants.models import Tenant

    return Tenant.objects.get(schema_name=name)


@pytest.fixture
def tenant_a(db):
    return _tenant(TENANT_A[0])


@pytest.fixture
def tenant_b(db):
    return _tenant(TENANT_B[0])


@pytest.fixture
def editor_a():
    return {"username": TENANT_A[3], "password": TENANT_A[4]}


@pytest.fixture
def editor_b():
    return {"username": TENANT_B[3], "password": TENANT_B[4]}


@pytest.fixture
def client_a(db):
    return Client(HTTP_HOST=TENANT_A[2])


@pytest.fixture
def client_b(db):
    return Client(HTTP_HOST=TENANT_B[2])


@pytest.fixture
def public_client(db):
    return Client(HTTP_HOST="localhost")


@pytest.fixture
def tokens_a(client_a, editor_a):
    """An access and refresh token of tenant A's editor, obtained through the API."""
    from api.tests.utils import token_pair

    return token_pair(client_a, editor_a)


@pytest.fixture
def tokens_b(client_b, editor_b):
    from api.tests.utils import token_pair

    return token_pair(client_b, editor_b)


@pytest.fixture(scope="session")
def _celery_workers(django_db_setup, tmp_path_factory):
    """The session's worker processes, the live one last (see celery_worker)."""
    workers = []
    yield workers, tmp_path_factory
    for worker in workers:
        worker.stop()


@pytest.fixture
def celery_worker(_celery_workers):
    """A real `celery worker` process on the test database and broker (a
    config.testing.Worker: `celery_worker.idle_wait()` waits until it has nothing left to do),
    one for the session. One that exited since the last test is replaced, as bin/run's
    supervisor replaces it: kombu's Redis transport can die with "Unrecoverable error"
    when the broker goes away while the worker holds a message of a retrying task (a test
    that stopped PostgreSQL, then one that stops Redis), and the tests after it would
    otherwise wait on a worker that is gone."""
    workers, tmp_path_factory = _celery_workers
    if not workers or workers[-1].proc.poll() is not None:
        workers.append(celery_worker_start(tmp_path_factory.mktemp("celery") / "worker.log"))
    return workers[-1]


@pytest.fixture(scope="session", params=WEB_SERVERS)
def web_server(request, django_db_setup, tmp_path_factory):
    """The web server bin/run starts (`config.webserver`: granian, then gunicorn: every test
    using this runs on both), serving config.wsgi on the test database and Redis; yields the
    port. For tests that need a real HTTP hop: a browser, or a webhook sender on its own TCP
    connection. Data it should see must be committed."""
    proc, port = web_server_start(request.param, tmp_path_factory.mktemp("web") / f"{request.param}.log")
    yield port
    process_stop(proc)


def pytest_sessionfinish(session, exitstatus):
    """Stop the test servers so no process outlives the run (KEEP_TEST_SERVICES=1
    keeps them for a quicker next run)."""
    if os.environ.get("KEEP_TEST_SERVICES") or os.environ.get("DATABASE_URL"):
        return
    from django.conf import settings
    from django.db import connections

    from config import services

    connections.close_all()
    services.redis_stop(settings.DATA_DIR)
    services.postgres_stop(settings.DATA_DIR)


@pytest.fixture(scope="session")
def embedder():
    """The process's local embedder, loaded once (~5 s) for the whole session (search and
    answers tests)."""
    from search.embedders import embedder_get

    loaded = embedder_get()
    loaded.embed(["warm up"])
    return loaded


@pytest.fixture
def key_factory():
    """Create API keys through the service, inside a tenant; returns the plain key."""
    from django_tenants.utils import tenant_context

    from api.services import api_key_create

    def make(tenant, scopes, **kwargs):
        with tenant_context(tenant):
            key, plain = api_key_create(name=kwargs.pop("name", "partner"), scopes=scopes, **kwargs)
        return plain

    return make


@pytest.fixture
def wsgi():
    """Call config.wsgi.application as a server would; return (status, headers, body,
    whether Django handled it)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections
    from django.test import RequestFactory

    from config.wsgi import application

    def call(host: str, path: str, **headers):
        environ = RequestFactory().get(path, HTTP_HOST=host, **headers).environ
        started = []

        def count(**kwargs):
            started.append(1)

        answer = {}

        def start_response(status, response_headers, exc_info=None):
            answer.update(status=status, headers=dict(response_headers))

        # As Django's test client: the test's transaction stays open across the request.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        request_started.connect(count)
        try:
            result = application(environ, start_response)
            body = b"".join(result)
            if hasattr(result, "close"):
                result.close()
        finally:
            request_started.disconnect(count)
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        return answer["status"], answer["headers"], body.decode(), bool(started)

    return call
