"""The platform's own row: the public schema, served at BASE_DOMAIN."""

from django.conf import settings
from django.db import migrations


def public_tenant_create(apps, schema_editor):
    Tenant = apps.get_model("tenants", "Tenant")
    Domain = apps.get_model("tenants", "Domain")
    public, _ = Tenant.objects.get_or_create(
        schema_name="public", defaults={"name": "Platform", "state": "public", "is_active": True}
    )
    Domain.objects.get_or_create(domain=settings.BASE_DOMAIN, defaults={"tenant": public, "is_primary": True})


class Migration(migrations.Migration):
    dependencies = [("tenants", "0002_vector_extension")]

    operations = [migrations.RunPython(public_tenant_create, migrations.RunPython.noop)]
