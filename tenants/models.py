from django.db import models
from django_tenants.models import DomainMixin, TenantMixin


class Tenant(TenantMixin):
    """A client business: one PostgreSQL schema holding all of its data.

    Rows in states `public`, `template` and `spare` are not customers: `public` is
    the platform itself (its host is BASE_DOMAIN), the template schema is the
    migrated original that new schemas are cloned from, spares are clones waiting to be
    renamed for the next customer. All three are rows so that `migrate_schemas` keeps them
    migrated with everything else.
    """

    class State(models.TextChoices):
        PUBLIC = "public", "public"
        TEMPLATE = "template", "template"
        SPARE = "spare", "spare"
        LIVE = "live", "live"

    name = models.CharField(max_length=100)
    state = models.CharField(max_length=10, choices=State.choices, default=State.LIVE, db_index=True)
    is_active = models.BooleanField(default=True)
    created_on = models.DateTimeField(auto_now_add=True)

    auto_create_schema = True
    auto_drop_schema = True

    class Meta:
        ordering = ["schema_name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.schema_name})"


class Domain(DomainMixin):
    """A host name routed to a tenant: `<name>.<BASE_DOMAIN>` or a custom domain."""

    def __str__(self) -> str:
        return self.domain
