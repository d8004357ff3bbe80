"""django-tenants' PostgreSQL backend, with `SET search_path` paid once per schema change
instead of once per cursor, and a health check that costs no round trip.

django-tenants issues `SET search_path` on every new cursor (each ORM query opens one), and
its `TENANT_LIMIT_SET_CALLS` still issues it once per request because the tenant middleware
calls `set_tenant()` on every request (django-tenants issue #594). A session's search_path
is connection state, so this wrapper remembers what it last set on *this* PostgreSQL
connection and sends `SET` only when the wanted path differs. What it remembers is
forgotten whenever the server may have dropped it:

- `ROLLBACK` and `ROLLBACK TO SAVEPOINT` undo a `SET` issued inside the transaction or
  savepoint (django-tenants' own `rollback()` / `savepoint_rollback()` overrides clear
  `search_path_set_schemas`; issue #1262);
- a `SET` that failed (an aborted transaction) leaves nothing remembered;
- `close()`, and any new driver connection (reconnect after an outage): the value is
  bound to the psycopg connection object it was set on.

Django's `CONN_HEALTH_CHECKS` sends `SELECT 1` before the first query of every request.
The health check here first asks the kernel whether the idle socket has anything to read: a
live idle connection has nothing, a connection the server closed (restart, kill,
`pg_terminate_backend`) is readable (its FATAL message or EOF). Only then is `SELECT 1`
sent, so a restarted server is still noticed before the request's first query.

`prepared_cursor()` is for the few hot statements (a visitor's page, a webhook's INSERT):
its parameters are bound by the server and each statement is prepared on the connection
at its first run, then executed by name, skipping parse and plan (measured: 100 instead of
165 µs per page SELECT; half the backend's CPU). The ORM keeps Django's client-side
binding, which never prepares (server-side binding breaks some ORM queries, Django
ticket #34255). A prepared statement follows the tenant: PostgreSQL re-parses it when
search_path differs from its last run (the PREPARE docs, "new as of 9.3";
config/tests/test_search_path.py runs one in two schemas on one connection).
"""

import select
import sys

from django.db.backends.postgresql import base as django_base
from django.db.backends.postgresql.base import Database
from django.db.backends.postgresql.operations import DatabaseOperations as DjangoOperations
from django_tenants.postgresql_backend import base as tenants_base

# psycopg prepares nothing on a connection whose threshold is None (Django's default), not
# even on request. Set instead to a count never reached, it prepares only what asks to:
# the ORM's client-side cursors never do, PreparedCursor always does.
PREPARE_ON_REQUEST_ONLY = sys.maxsize


class PreparedCursor(django_base.ServerBindingCursor):
    """Server-side binding; a statement with parameters is prepared at its first run."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=bool(params) if prepare is None else prepare, binary=binary)


class DatabaseOperations(DjangoOperations):
    def last_executed_query(self, cursor, sql, params):
        """A PreparedCursor's statement as Django shows it for server-side binding (the
        queries of DEBUG and of the tests' query counters)."""
        if isinstance(cursor, PreparedCursor):
            return self.compose_sql(sql, params)
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(tenants_base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def __init__(self, *args, **kwargs):
        # The psycopg connection `search_path_set_schemas` was set on (None: nothing known).
        self._search_path_connection = None
        self._prepared_next = False  # the next cursor is a PreparedCursor (prepared_cursor)
        super().__init__(*args, **kwargs)

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        connection.prepare_threshold = PREPARE_ON_REQUEST_ONLY
        return connection

    def prepared_cursor(self):
        """A Django cursor (search_path, query logging, error wrapping as usual) whose
        statements with parameters are prepared on this connection (module docstring)."""
        self._prepared_next = True
        try:
            return self.cursor()
        finally:
            self._prepared_next = False

    def create_cursor(self, name=None):
        if name is None and self._prepared_next:
            cursor = PreparedCursor(self.connection)
            tzloader = self.connection.adapters.get_loader(django_base.TIMESTAMPTZ_OID, django_base.Format.TEXT)
            if self.timezone != tzloader.timezone:  # as Django's create_cursor
                django_base.register_tzloader(self.timezone, cursor)
            return cursor
        return super().create_cursor(name)

    def set_tenant(self, tenant, include_public=True):
        """django-tenants forgets the path set on the server here (every request); keep it
        so that `_handle_search_path` can compare it with the new tenant's."""
        on_server = self.search_path_set_schemas
        super().set_tenant(tenant, include_public)
        self.search_path_set_schemas = on_server

    def _handle_search_path(self, cursor=None):
        if self._setting_search_path:
            return
        if (
            self.search_path_set_schemas is not None
            and self._search_path_connection is self.connection
            and self.connection is not None
            and self.search_path_set_schemas == self._get_cursor_search_paths()
        ):
            return  # this very connection already has this path (and no rollback since)
        super()._handle_search_path(cursor)
        self._search_path_connection = self.connection if self.search_path_set_schemas is not None else None

    def close_if_health_check_failed(self):
        """Django's health check (CONN_HEALTH_CHECKS), without its `SELECT 1` round trip
        while the idle socket is quiet; `is_usable()` itself (used after an error) is
        Django's, exact."""
        if self.connection is not None and not self.pool and not self.health_check_done and self._socket_quiet():
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _socket_quiet(self) -> bool:
        """True when the driver holds an open connection whose socket has nothing to read:
        a server that closed it (restart, kill, terminate) leaves its FATAL message or EOF."""
        try:
            if self.connection.closed or self.connection.broken:
                return False
            readable, _, _ = select.select([self.connection.fileno()], [], [], 0)
        except (OSError, ValueError, Database.Error):
            return False
        return not readable
