from django.contrib.auth import get_user_model
from django.db import connection
from django_tenants.utils import schema_context, tenant_context

from config.testing import wait_for
from tenants.models import Tenant
from tenants.tasks import tenant_whoami


def test_task_sent_from_a_tenant_runs_in_that_schema(celery_worker, django_db_blocker):
    """A real worker process sees only what was committed, in the task's schema."""
    with django_db_blocker.unblock():
        tenant_a, tenant_b = Tenant.objects.get(schema_name="alpha"), Tenant.objects.get(schema_name="beta")
        with tenant_context(tenant_a):
            get_user_model().objects.get_or_create(username="celery-proof-a")
        try:
            with tenant_context(tenant_a):
                result_a = tenant_whoami.delay()
            with tenant_context(tenant_b):
                result_b = tenant_whoami.delay()
            with schema_context("public"):
                result_public = tenant_whoami.delay()
            a, b, public = (r.get(timeout=30) for r in (result_a, result_b, result_public))
        finally:
            with tenant_context(tenant_a):
                get_user_model().objects.filter(username="celery-proof-a").delete()
    assert a["schema"] == "alpha" and "celery-proof-a" in a["users"]
    assert b["schema"] == "beta" and "celery-proof-a" not in b["users"]
    assert public["schema"] == "public"


def test_worker_refills_the_spare_pool_after_a_provisioning(celery_worker, django_db_blocker, settings):
    """Provisioning takes a spare schema; the worker (not this process) clones a new one,
    back to the pool's size and no further."""
    from tenants import services

    def spares() -> dict[int, str]:
        return dict(Tenant.objects.filter(state=Tenant.State.SPARE).values_list("pk", "schema_name"))

    with django_db_blocker.unblock():
        services.tenant_pool_fill()
        before = spares()
        assert len(before) == settings.TENANT_SPARE_POOL_SIZE
        tenant = services.tenant_provision(name="refill_proof")
        try:
            taken = before.get(tenant.pk)
            assert taken is not None  # a spare was renamed, not a schema cloned
            wait_for(lambda: len(spares()) == settings.TENANT_SPARE_POOL_SIZE, timeout=30)
            celery_worker.idle_wait()
            after = spares()
            made = set(after.values()) - set(before.values())
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT schema_name FROM information_schema.schemata WHERE schema_name = ANY(%s)", [list(made)]
                )
                made_schemas = {row[0] for row in cursor.fetchall()}
        finally:
            services.tenant_delete(tenant=tenant)
    assert len(after) == settings.TENANT_SPARE_POOL_SIZE  # and no further
    assert len(made) == 1 and taken not in after.values()
    assert made_schemas == made  # the new spare's schema was cloned


def test_idle_wait_returns_only_after_a_scheduled_task_has_run(celery_worker):
    """The check the events tests use instead of sleeping: a task waiting for its
    countdown in the worker counts as work left."""
    with schema_context("alpha"):
        result = tenant_whoami.apply_async(countdown=2)
    celery_worker.idle_wait()
    assert result.ready()
    assert result.get(timeout=1)["schema"] == "alpha"
