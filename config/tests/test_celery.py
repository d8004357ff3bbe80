from django.contrib.auth import get_user_model
from django_tenants.utils import schema_context, tenant_context

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
    from tenants import services

    with django_db_blocker.unblock():
        full = Tenant.objects.filter(state=Tenant.State.SPARE).count()
        tenant = services.tenant_provision(name="refill_proof")
        try:
            import time

            deadline = time.monotonic() + 30
            while Tenant.objects.filter(state=Tenant.State.SPARE).count() < settings.TENANT_SPARE_POOL_SIZE:
                assert time.monotonic() < deadline, "the worker did not refill the pool"
                time.sleep(0.2)
        finally:
            services.tenant_delete(tenant=tenant)
    assert full <= settings.TENANT_SPARE_POOL_SIZE
