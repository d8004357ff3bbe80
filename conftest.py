"""Shared fixtures: two tenants, host-bound clients, a real Celery worker.

The tests run against real servers: settings start the embedded PostgreSQL and Redis
under .data/test (pytest sets PYTEST_VERSION), pytest-django creates `test_postgres`
on it, and the session provisions tenant_a (alpha) and tenant_b (beta), committed,
so a worker process or an HTTP server sees them too.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import closing
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from config.webserver import WEB_SERVERS, web_command

ROOT = Path(__file__).resolve().parent

TENANT_A = ("alpha", "Alpha Bikes", "alpha.localhost", "editor@alpha.example", "alpha-editor-pass")
TENANT_B = ("beta", "Beta Bakery", "beta.localhost", "editor@beta.example", "beta-editor-pass")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from tenants import services
    from tenants.models import Tenant

    with django_db_blocker.unblock():
        services.tenant_pool_fill(size=2)
        for name, display, host, email, password in (TENANT_A, TENANT_B):
            if not Tenant.objects.filter(schema_name=name).exists():
                services.tenant_provision(
                    name=name, display_name=display, domains=[host], admin_email=email, admin_password=password
                )
        services.tenant_pool_fill(size=2)  # no worker refilled it after those two took spares


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


def database_url() -> str:
    """The test database's URL, for processes the tests start (workers, servers)."""
    from django.conf import settings

    from config.services import postgres_socket_url

    db = settings.DATABASES["default"]
    return postgres_socket_url(db["HOST"], db["NAME"], db["USER"])


def service_env(**extra) -> dict:
    from django.conf import settings

    env = dict(os.environ)
    env.update(DATABASE_URL=database_url(), REDIS_URL=settings.REDIS_URL, DATA_DIR=str(settings.DATA_DIR))
    env.pop("PYTEST_VERSION", None)
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, tmp_path_factory):
    """A real `celery worker` process on the test database and broker."""
    from config.celery import app

    log = tmp_path_factory.mktemp("celery") / "worker.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--hostname=test-worker@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=service_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=0.5):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"celery worker did not start:\n{log.read_text()}")
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session", params=WEB_SERVERS)
def web_server(request, django_db_setup, tmp_path_factory):
    """The web server bin/run starts (`config.webserver`: granian, then gunicorn: every test
    using this runs on both), serving config.wsgi on the test database and Redis; yields the
    port. For tests that need a real HTTP hop: a browser, or a webhook sender on its own TCP
    connection. Data it should see must be committed."""
    proc, port = web_server_start(request.param, tmp_path_factory.mktemp("web") / f"{request.param}.log")
    yield port
    proc.terminate()
    proc.wait(timeout=20)


def web_server_start(
    server: str, log: Path, *, ports: range = range(8150, 8200), access_log: bool = False
) -> tuple[subprocess.Popen, int]:
    """Start `server` (one worker) on the test database and Redis on a free port of `ports`,
    output to `log`; return once it answers. The search model is not warmed here (the warm
    start has its tests through bin/run)."""
    port = next(p for p in ports if port_free(p))
    argv = web_command(server=server, host="127.0.0.1", port=port, workers=1, access_log=access_log)
    with log.open("w") as out:
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            # Unbuffered, as bin/run runs it: a log line is in the file once it is written.
            env=service_env(HTTPS="0", SEARCH_WARM_START="0", PYTHONUNBUFFERED="1"),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        http_wait(port, proc, log)
    except RuntimeError:
        proc.kill()
        raise
    return proc, port


def http_wait(port: int, proc: subprocess.Popen, log: Path, path: str = "/healthz", seconds: float = 30) -> None:
    """Return once the server on `port` answers `path` with a 2xx; RuntimeError (with its
    log) if it exits first or takes longer than `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1)  # noqa: S310 (our server)
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the web server did not answer {path}:\n{log.read_text()}") from None
            time.sleep(0.2)


def port_free(port: int) -> bool:
    """Nothing listens on this loopback port."""
    with closing(socket.socket()) as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


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
