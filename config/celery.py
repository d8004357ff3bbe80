"""The Celery app. tenant-schemas-celery records the current schema when a task is
sent and activates it in the worker before the task runs, so a task sent from tenant
A's request runs in schema A without looking the tenant up itself."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = CeleryApp("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
