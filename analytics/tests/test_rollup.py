"""The roll-up is idempotent: run twice, killed before its commit (a real worker, SIGKILL)
or after it (the claims still in Redis), the totals are the same; counting survives a Redis
restart (the real server stopped and started) losing only what was not flushed."""

import datetime as dt
import os
import signal
import time
from decimal import Decimal

import psycopg
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context, tenant_context

from analytics import counting, services
from analytics.models import DayCount, HourCount, MinuteCount, Series
from analytics.tests.utils import BROWSER, day_counts, publish, rollup
from config import services as embedded
from config.testing import celery_worker_start, database_url, wait_for

pytestmark = pytest.mark.usefixtures("committed")

QUEUE = "analytics-kill"


def _views(host: str, path: str, n: int) -> None:
    client = Client(HTTP_HOST=host)
    for i in range(n):
        assert client.get(path, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR=f"198.51.100.{i % 200}").status_code == 200


def _claims(schema: str) -> list[bytes]:
    with schema_context(schema):
        return list(counting._client().smembers(cache.make_key(services.CLAIMS_KEY)))


def _totals(schema: str) -> tuple:
    with schema_context(schema):
        return (
            sorted(MinuteCount.objects.values_list("series", "key", "count")),
            sorted(HourCount.objects.values_list("series", "key", "count")),
            sorted(DayCount.objects.values_list("series", "key", "count")),
        )


def test_running_twice_adds_nothing():
    publish("alpha", "about")
    _views("alpha.localhost", "/about/", 5)
    first = rollup("alpha")
    assert first["claims"] >= 1
    totals = _totals("alpha")
    assert rollup("alpha")["claims"] == 0
    assert _totals("alpha") == totals
    assert day_counts("alpha", Series.VIEW) == {"about": 5, "*": 5}


def test_killed_after_its_commit_the_next_run_skips_the_claims_it_had_added(monkeypatch):
    """The window between the commit and the claims' deletion: a run that dies there
    leaves the claims in Redis; the next run finds them in RolledClaim and only deletes them."""
    publish("alpha", "about")
    _views("alpha.localhost", "/about/", 4)
    counting.flush()

    class Killed(BaseException):
        pass

    real_pipeline = type(counting._client()).pipeline
    calls = []

    def pipeline(self, *args, **kwargs):
        calls.append(kwargs)
        if kwargs.get("transaction") and len(calls) == 2:  # the claims' deletion, after the commit
            raise Killed
        return real_pipeline(self, *args, **kwargs)

    monkeypatch.setattr(type(counting._client()), "pipeline", pipeline)
    with pytest.raises(Killed), schema_context("alpha"):
        services.analytics_rollup()
    monkeypatch.undo()
    assert _claims("alpha")  # still there
    assert day_counts("alpha", Series.VIEW) == {"about": 4, "*": 4}
    assert rollup("alpha")["claims"] == 0  # skipped, and deleted
    assert _claims("alpha") == []
    assert day_counts("alpha", Series.VIEW) == {"about": 4, "*": 4}


def test_a_worker_killed_in_the_middle_of_a_rollup_loses_and_doubles_nothing(tmp_path):
    """A real worker claims alpha's counts, then waits for the tenant's lock (held here);
    SIGKILL; its transaction never committed, the claims are still in Redis, and the
    next roll-up (another worker) adds them once."""
    from analytics.tasks import analytics_rollup_all
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(QUEUE)
    publish("alpha", "about")
    publish("beta", "about")
    _views("alpha.localhost", "/about/", 7)
    _views("beta.localhost", "/about/", 2)
    counting.flush()
    lock = psycopg.connect(database_url(), autocommit=False)
    worker = celery_worker_start(tmp_path / "first.log", name="analytics-kill-1", queue=QUEUE)
    second = None
    try:
        lock.execute("SELECT pg_advisory_xact_lock(%s)", [services._lock_id("alpha")])
        analytics_rollup_all.apply_async(queue=QUEUE)
        wait_for(lambda: _claims("alpha"), 30, what="the worker's claim")
        time.sleep(0.5)  # it now waits on the lock, inside its transaction
        os.kill(worker.proc.pid, signal.SIGKILL)
        worker.proc.wait(10)
        lock.rollback()
        assert day_counts("alpha", Series.VIEW) == {}  # nothing committed
        second = celery_worker_start(tmp_path / "second.log", name="analytics-kill-2", queue=QUEUE)
        analytics_rollup_all.apply_async(queue=QUEUE)
        both_rolled = lambda: day_counts("alpha", Series.VIEW) and day_counts("beta", Series.VIEW)  # noqa: E731
        wait_for(both_rolled, 30, what="the second run")
        assert day_counts("alpha", Series.VIEW) == {"about": 7, "*": 7}
        assert day_counts("beta", Series.VIEW) == {"about": 2, "*": 2}
        assert _claims("alpha") == []
    finally:
        lock.close()
        for started in (worker, second):
            if started is not None:
                started.stop()


def test_counting_survives_a_redis_restart_losing_only_what_was_not_flushed():
    publish("alpha", "about")
    _views("alpha.localhost", "/about/", 3)
    counting.flush()  # in Redis, not rolled up yet
    embedded.redis_stop(settings.DATA_DIR)
    try:
        _views("alpha.localhost", "/about/", 2)  # served from the database, not counted
        assert counting.flush() == 0
    finally:
        embedded.redis_url(settings.DATA_DIR)  # starts it again (append-only file kept)
    _views("alpha.localhost", "/about/", 4)
    rollup("alpha")
    assert day_counts("alpha", Series.VIEW) == {"about": 7, "*": 7}


def test_conversions_and_purchases_are_read_from_the_events_tables(tenant_a):
    from events.models import ConversionEvent

    def event(event_id, source, value, currency="eur"):
        return ConversionEvent(
            event_name="Purchase",
            event_id=event_id,
            event_time=int(time.time()),
            action_source="website",
            custom_data={"value": value, "currency": currency},
            source=source,
        )

    with schema_context("alpha"):
        ConversionEvent.objects.bulk_create(
            [
                event("a1", "api", 10.5),
                event("a2", "api", "12"),
                event("w1", "webhook", 99.99),
                event("x", "api", "n/a"),
            ]
        )
    try:
        rollup("alpha")
        rollup("alpha")  # set, not added
        rollup("beta")
        today = dt.datetime.now(dt.UTC).date()
        with schema_context("alpha"):
            rows = sorted(
                DayCount.objects.filter(series__in="cp").values_list("day", "series", "key", "count", "value")
            )
        assert rows == [(today, "c", "EUR", 3, Decimal("22.50")), (today, "p", "EUR", 1, Decimal("99.99"))]
        assert day_counts("beta", Series.CONVERSION) == {}
    finally:
        with schema_context("alpha"):
            ConversionEvent.objects.all().delete()


def test_a_tenant_provisioned_after_the_migration_has_the_tables():
    from tenants import services as tenant_services
    from tenants.models import Tenant

    tenant = tenant_services.tenant_provision(name="zeta", display_name="Zeta", domains=["zeta.localhost"])
    try:
        with tenant_context(tenant):
            publish("zeta", "about")
            _views("zeta.localhost", "/about/", 2)
            rollup("zeta")
            assert day_counts("zeta", Series.VIEW) == {"about": 2, "*": 2}
    finally:
        connection.set_schema_to_public()
        Tenant.objects.get(schema_name="zeta").delete(force_drop=True)
        tenant_services.tenant_pool_fill(size=2)  # the spare this took, for the tests after
