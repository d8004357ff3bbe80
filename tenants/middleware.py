from django_tenants.middleware.main import TenantMainMiddleware

from tenants.routing import tenant_for_hostname


class TenantMiddleware(TenantMainMiddleware):
    """django-tenants' routing with the host lookup served from the cache."""

    def get_tenant(self, domain_model, hostname):
        return tenant_for_hostname(hostname)
