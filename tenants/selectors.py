"""Reads of the tenants app (public schema)."""

from django.db.models import QuerySet

from tenants.models import Domain, Tenant


def tenant_list_live() -> QuerySet[Tenant]:
    """Every customer tenant, active or not: not the public row, the template or the
    spares. Per-tenant jobs (sweeps, re-renders, re-indexing) loop over these."""
    return Tenant.objects.filter(state=Tenant.State.LIVE)


def tenant_get_live(*, name: str) -> Tenant:
    """The customer tenant whose schema is `name`, its domains loaded; raises
    Tenant.DoesNotExist (a 404 at the API's edge)."""
    return tenant_list_live().prefetch_related("domains").get(schema_name=name)


def domain_get(*, tenant: Tenant, domain: str) -> Domain:
    """One of `tenant`'s domains by host name (any case); raises Domain.DoesNotExist."""
    return Domain.objects.get(tenant=tenant, domain=domain.lower())
