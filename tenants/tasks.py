from celery import shared_task
from django.db import connection

from tenants import services


@shared_task(ignore_result=True)
def tenant_pool_refill() -> None:
    """Top the spare-schema pool back up after a provisioning took one."""
    services.tenant_pool_fill()


@shared_task
def tenant_whoami() -> dict:
    """Which schema a worker runs a task in: the tests (config/tests/test_celery.py,
    test_outages.py) use it to prove tasks carry their tenant."""
    from django.contrib.auth import get_user_model

    return {
        "schema": connection.schema_name,
        "users": sorted(get_user_model().objects.values_list("username", flat=True)),
    }
