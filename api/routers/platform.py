"""The platform API on the public host: platform admins list, provision and deactivate
tenants and manage their domains (the partner-portal case). Thin callers of tenants.services.

A platform admin is a superuser of the public schema; their JWT carries tenant claim
"public", so it is refused on every tenant host, and tenant tokens are refused here.
"""

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from api.auth import JWTAuth
from api.errors import ApiPermissionDenied, Problem, codes_4xx
from tenants import services
from tenants.models import Domain, Tenant
from tenants.selectors import domain_get, tenant_get_live, tenant_list_live

PLATFORM_ADMIN_ONLY = "Only platform admins (superusers of the platform) may use this API."


class PlatformAdminAuth(JWTAuth):
    def authenticate(self, request: HttpRequest, token: str):
        user = super().authenticate(request, token)
        if not user.is_superuser:
            raise ApiPermissionDenied(PLATFORM_ADMIN_ONLY)
        return user


router = Router(tags=["tenants"])


class DomainOut(Schema):
    domain: str
    is_primary: bool


class TenantOut(Schema):
    name: str = Field(alias="schema_name")
    display_name: str = Field(alias="name")
    is_active: bool
    created_on: datetime
    domains: list[DomainOut]

    @staticmethod
    def resolve_domains(tenant: Tenant) -> list[Domain]:
        return sorted(tenant.domains.all(), key=lambda d: (not d.is_primary, d.domain))


class TenantIn(Schema):
    name: str = Field(max_length=63, description="Schema name: lowercase letters, digits, underscores.")
    display_name: str = Field("", max_length=100)
    domains: list[str] = Field(default_factory=list, max_length=20, description="Default: <name>.<BASE_DOMAIN>")
    admin_email: str = Field("", max_length=254)
    admin_password: str = Field("", max_length=128)


class DomainIn(Schema):
    domain: str = Field(max_length=253)
    is_primary: bool = False


@router.get("", response={200: list[TenantOut], codes_4xx: Problem})
def tenant_list(request: HttpRequest):
    """Every customer tenant (not the template and spare schemas), active or not."""
    return list(tenant_list_live().prefetch_related("domains"))


@router.post("", response={201: TenantOut, codes_4xx: Problem})
def tenant_create(request: HttpRequest, payload: TenantIn):
    """Provision a tenant (schema, domains, optionally its first admin) in one transaction."""
    tenant = services.tenant_provision(
        name=payload.name,
        display_name=payload.display_name,
        domains=payload.domains or None,
        admin_email=payload.admin_email,
        admin_password=payload.admin_password,
    )
    return Status(201, tenant_get_live(name=tenant.schema_name))


@router.get("/{name}", response={200: TenantOut, codes_4xx: Problem})
def tenant_get(request: HttpRequest, name: str):
    return tenant_get_live(name=name)


@router.post("/{name}/deactivate", response={200: TenantOut, codes_4xx: Problem})
def tenant_deactivate(request: HttpRequest, name: str):
    """Stop serving the tenant's hosts; its schema and data stay."""
    services.tenant_deactivate(tenant=tenant_get_live(name=name))
    return tenant_get_live(name=name)


@router.post("/{name}/domains", response={201: DomainOut, codes_4xx: Problem})
def domain_add(request: HttpRequest, name: str, payload: DomainIn):
    tenant = tenant_get_live(name=name)
    return Status(201, services.domain_add(tenant=tenant, domain=payload.domain, is_primary=payload.is_primary))


@router.delete("/{name}/domains/{domain}", response={204: None, codes_4xx: Problem})
def domain_remove(request: HttpRequest, name: str, domain: str):
    services.domain_remove(domain=domain_get(tenant=tenant_get_live(name=name), domain=domain))
    return Status(204, None)
