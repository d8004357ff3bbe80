"""The Celery app. tenant-schemas-celery records the current schema when a task is
sent and activates it in the worker before the task runs, so a task sent from tenant
A's request runs in schema A without looking the tenant up itself."""

import os

from django.db import DatabaseError
from tenant_schemas_celery.app import CeleryApp, get_schema_name_from_task, switch_schema
from tenant_schemas_celery.task import TenantTask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

SCHEMA_RETRY_MAX_SECONDS = 30


class SchemaTask(TenantTask):
    """A task body runs in the schema it was sent from, or not at all.

    tenant-schemas-celery switches the schema in a `task_prerun` receiver, which looks the
    tenant up in the database; Celery logs a receiver's exception and runs the task anyway.
    So while PostgreSQL is down or restarting, the lookup failed and the task ran in the
    public schema (found by bench/soak.py: a webhook task failed on `relation
    "events_webhookevent" does not exist`, an index task was lost). Here the schema is
    checked before the body; when it is not the task's, the switch is tried again (the
    database may be back) and, if the database still fails, the task is retried later with
    a growing delay: it has not run at all, so running it again is always safe.
    """

    abstract = True

    def __call__(self, *args, **kwargs):
        from django.db import connection

        wanted = get_schema_name_from_task(self, kwargs)
        if wanted and connection.schema_name != wanted:
            try:
                switch_schema(self, kwargs)
            except DatabaseError as exc:
                countdown = min(2 ** (self.request.retries or 0), SCHEMA_RETRY_MAX_SECONDS)
                raise self.retry(exc=exc, countdown=countdown, max_retries=None) from exc
        return super().__call__(*args, **kwargs)


app = CeleryApp("config", task_cls=SchemaTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
