"""`SET search_path` once per schema change (config/postgresql): never on the wrong schema.

The backend skips the `SET` when the connection already has the tenant's path. PostgreSQL
undoes a `SET` whose transaction (or savepoint) rolls back, so after a rollback the backend
must send it again: these tests roll back after a `SET` was issued inside the transaction
and check that the next request of the other tenant, and of the same tenant, each see
only their own rows. The isolation tests of every app run on this backend too.
"""

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.testing import TENANT_A, TENANT_B
from content.models import Page
from tenants.models import Tenant

PROBE = "search-path-probe"


class Rollback(Exception):
    pass


def _server_search_path() -> str:
    """What the server has, asked past Django's wrapper (which would send its own SET)."""
    with connection.connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        return cursor.fetchone()[0]


def _probe_create(tenant) -> None:
    connection.set_tenant(tenant)
    Page.objects.create(
        slug=PROBE,
        title=f"{tenant.schema_name} probe",
        status=Page.Status.PUBLISHED,
        published_title=f"{tenant.schema_name} probe",
        published_at=timezone.now(),
    )


def _title(client) -> str:
    response = client.get(f"/{PROBE}/")
    assert response.status_code == 200
    return response.content.decode()


def _sets(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SET search_path")]


@pytest.fixture
def probes(tenant_a, tenant_b, settings):
    """A published page per tenant, same slug, the tenant's name in its title; the page
    cache off, so every request reads its tenant's table."""
    settings.CONTENT_PAGE_CACHE = False
    for tenant in (tenant_a, tenant_b):
        _probe_create(tenant)
    connection.set_schema_to_public()


def test_set_is_sent_once_per_schema_change(client_a, client_b, probes):
    with CaptureQueriesContext(connection) as captured:
        assert "alpha probe" in _title(client_a)
    assert _sets(captured)[-1] == 'SET search_path = "alpha","public"'
    with CaptureQueriesContext(connection) as captured:
        assert "alpha probe" in _title(client_a)
        assert "alpha probe" in _title(client_a)
    assert _sets(captured) == []  # same schema: nothing to set
    with CaptureQueriesContext(connection) as captured:
        assert "beta probe" in _title(client_b)
    assert _sets(captured)[-1] == 'SET search_path = "beta","public"'


def test_a_set_undone_by_a_savepoint_rollback_is_sent_again(client_a, client_b, tenant_a, probes):
    assert "beta probe" in _title(client_b)
    assert _server_search_path() == "beta, public"
    with pytest.raises(Rollback), transaction.atomic():  # a savepoint (the test runs in a transaction)
        connection.set_tenant(tenant_a)
        assert Page.objects.get(slug=PROBE).title == "alpha probe"  # SET alpha, inside the savepoint
        raise Rollback
    # PostgreSQL undid the SET; the backend forgot it and sent it again for the RELEASE that
    # closes the savepoint (the connection is still on tenant A): the server has what the
    # backend believes. A backend that kept believing would now read B's rows for A.
    assert _server_search_path() == "alpha, public"
    assert "alpha probe" in _title(client_a)
    assert "beta probe" in _title(client_b)
    assert "alpha probe" in _title(client_a)


def test_a_set_undone_by_a_transaction_rollback_is_sent_again(django_db_blocker, settings):
    """With no test transaction around it (no `db` fixture): a real ROLLBACK of an
    outermost transaction; then a new connection (CONN_MAX_AGE, a server restart)."""
    settings.CONTENT_PAGE_CACHE = False
    client_a, client_b = Client(HTTP_HOST=TENANT_A[2]), Client(HTTP_HOST=TENANT_B[2])
    with django_db_blocker.unblock():
        tenant_a, tenant_b = Tenant.objects.get(schema_name="alpha"), Tenant.objects.get(schema_name="beta")
        try:
            for tenant in (tenant_a, tenant_b):
                _probe_create(tenant)
            assert connection.get_autocommit()
            clients = {"alpha": client_a, "beta": client_b}
            # the server on `before`; a transaction on `inside` sets its path and rolls back;
            # then the next request of `inside`'s tenant (the dangerous one: the backend must
            # not believe the undone SET) and of the other tenant
            for before, inside in (("beta", "alpha"), ("alpha", "beta")):
                other = "beta" if inside == "alpha" else "alpha"
                assert f"{before} probe" in _title(clients[before])
                assert _server_search_path() == f"{before}, public"
                with pytest.raises(Rollback), transaction.atomic():
                    connection.set_tenant(tenant_a if inside == "alpha" else tenant_b)
                    assert Page.objects.get(slug=PROBE).title == f"{inside} probe"  # SET inside the transaction
                    assert _server_search_path() == f"{inside}, public"
                    raise Rollback
                assert _server_search_path() == f"{before}, public"  # the ROLLBACK undid it
                assert f"{inside} probe" in _title(clients[inside])
                assert f"{other} probe" in _title(clients[other])
                assert f"{inside} probe" not in _title(clients[other])
            connection.close()
            assert "alpha probe" in _title(client_a)
        finally:
            for tenant in (tenant_a, tenant_b):
                connection.set_tenant(tenant)
                Page.objects.filter(slug=PROBE).delete()
            connection.set_schema_to_public()


def test_a_failed_statement_in_a_transaction_leaves_no_stale_path(client_a, client_b, tenant_a, probes):
    """An error aborts the transaction (its SET with it); the next requests still get theirs."""
    from django.db import DatabaseError

    assert "beta probe" in _title(client_b)
    with pytest.raises(DatabaseError), transaction.atomic():
        connection.set_tenant(tenant_a)
        Page.objects.get(slug=PROBE)
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")
    assert "alpha probe" in _title(client_a)
    assert "beta probe" in _title(client_b)


# --- prepared statements (connection.prepared_cursor) follow search_path ---

PREPARED_TITLE = "SELECT published_title FROM content_page WHERE slug = %s"


def _prepared_title() -> str:
    with connection.prepared_cursor() as cursor:
        cursor.execute(PREPARED_TITLE, [PROBE])
        return cursor.fetchone()[0]


def _prepared_runs() -> list[tuple[str, int]]:
    """(name, runs) of this connection's prepared statements of PREPARED_TITLE, asked
    past Django's wrapper."""
    with connection.connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, generic_plans + custom_plans FROM pg_prepared_statements WHERE statement = %s",
            ["SELECT published_title FROM content_page WHERE slug = $1"],
        )
        return cursor.fetchall()


def test_a_statement_prepared_in_one_schema_reads_the_other_tenants_rows_after_the_switch(tenant_a, tenant_b, probes):
    """PostgreSQL re-parses a prepared statement when search_path changed since its last
    run (docs of PREPARE, since 9.3): the one statement, prepared in A's schema, reads
    B's table once the connection is on B, and A's again after."""
    connection.set_tenant(tenant_a)
    assert _prepared_title() == "alpha probe"
    [(name, runs)] = _prepared_runs()  # prepared at its first run, not parsed per run
    assert runs == 1
    connection.set_tenant(tenant_b)
    assert _prepared_title() == "beta probe"
    connection.set_tenant(tenant_a)
    assert _prepared_title() == "alpha probe"
    assert _prepared_runs() == [(name, 3)]  # the same prepared statement, all three times


def test_a_prepared_statement_after_a_rolled_back_set_reads_the_right_tenant(tenant_a, tenant_b, probes):
    connection.set_tenant(tenant_b)
    assert _prepared_title() == "beta probe"
    with pytest.raises(Rollback), transaction.atomic():
        connection.set_tenant(tenant_a)
        assert _prepared_title() == "alpha probe"  # SET alpha inside the savepoint
        raise Rollback
    assert _server_search_path() == "alpha, public"
    assert _prepared_title() == "alpha probe"
    connection.set_tenant(tenant_b)
    assert _prepared_title() == "beta probe"
    # psycopg deallocates its prepared statements after any ROLLBACK (it cannot know what
    # the rollback undid): the statement was prepared again for the two runs since.
    [(_, runs)] = _prepared_runs()
    assert runs == 2


def test_the_orm_still_binds_client_side_and_prepares_nothing(tenant_a, probes):
    connection.set_tenant(tenant_a)
    for _ in range(3):
        assert Page.objects.get(slug=PROBE).published_title == "alpha probe"
    with connection.connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%content_page%"])
        assert cursor.fetchone()[0] == 0


# --- the health check (CONN_HEALTH_CHECKS) without its SELECT 1 ---


def test_health_check_notices_a_connection_the_server_closed(db):
    """A live idle connection passes without a round trip; one the server terminated (as a
    restart would) is closed by the health check before the request's first query, and
    the next query reconnects."""
    import time

    from django.db import connections

    other = connections.create_connection("default")
    try:
        other.health_check_enabled = True
        other.ensure_connection()
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        assert other._socket_quiet()
        other.health_check_done = False
        other.close_if_health_check_failed()
        assert other.connection is not None  # quiet: kept, nothing sent

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 5
        while other._socket_quiet() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not other._socket_quiet()  # the server's FATAL message / EOF is there to read
        other.health_check_done = False
        other.close_if_health_check_failed()
        assert other.connection is None  # closed before any query used it
        with other.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
    finally:
        other.close()
