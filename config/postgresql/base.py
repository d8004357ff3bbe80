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
"""

import select

from django.db.backends.postgresql.base import Database
from django_tenants.postgresql_backend import base as tenants_base


class DatabaseWrapper(tenants_base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        # The psycopg connection `search_path_set_schemas` was set on (None: nothing known).
        self._search_path_connection = None
        super().__init__(*args, **kwargs)

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
