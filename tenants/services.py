"""Provisioning: create, deactivate and delete tenants, add and remove domains.

A new tenant takes a *spare* schema (a clone of the migrated template, made ahead of
time) and renames it: `ALTER SCHEMA ... RENAME` is constant time, whereas cloning or
migrating grows with every table the apps add. With no spare left it clones the
template on the spot (django-tenants' TENANT_BASE_SCHEMA), slower but correct.
Everything runs in one transaction (PostgreSQL DDL is transactional), so a failure
leaves no schema, no tenant row and no domain behind.
"""

import contextlib
import re
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_exists, tenant_context

from tenants.models import Domain, Tenant
from tenants.routing import hostname_cache_clear

SCHEMA_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
SCHEMA_NAME_MAX = 63  # PostgreSQL's identifier limit (NAMEDATALEN - 1)
RESERVED_NAMES = {"public", "information_schema", "admin", "api", "www", "static", "template"}
RESERVED_PREFIXES = ("pg_", "spare_", "tenant_template")
POOL_LOCK_ID = 0x7E4A_0001  # pg_advisory_xact_lock key serialising pool refills
HOSTNAME_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")

SCHEMA_NAME_INVALID = (
    "Tenant name {name!r} is invalid: use lowercase letters, digits and underscores, starting with a letter."
)
SCHEMA_NAME_TOO_LONG = "Tenant name {name!r} is too long: at most 63 characters (PostgreSQL's limit)."
SCHEMA_NAME_RESERVED = "Tenant name {name!r} is reserved: pick another name."
TENANT_EXISTS = "A tenant named {name!r} already exists."
DOMAIN_INVALID = "Domain {domain!r} is not a valid host name."
DOMAIN_TAKEN = "Domain {domain!r} is already used by another tenant."
ADMIN_INCOMPLETE = "Give both an admin email and an admin password, or neither."


def schema_name_validate(name: str) -> None:
    if len(name) > SCHEMA_NAME_MAX:
        raise ValidationError(SCHEMA_NAME_TOO_LONG.format(name=name), code="schema_name")
    if not SCHEMA_NAME_RE.match(name):
        raise ValidationError(SCHEMA_NAME_INVALID.format(name=name), code="schema_name")
    if name in RESERVED_NAMES or name.startswith(RESERVED_PREFIXES) or name == settings.TENANT_BASE_SCHEMA:
        raise ValidationError(SCHEMA_NAME_RESERVED.format(name=name), code="schema_name")


def domain_validate(domain: str) -> None:
    if not HOSTNAME_RE.match(domain):
        raise ValidationError(DOMAIN_INVALID.format(domain=domain), code="domain")
    if Domain.objects.filter(domain=domain).exists():
        raise ValidationError(DOMAIN_TAKEN.format(domain=domain), code="domain")


def tenant_default_domain(name: str) -> str:
    return f"{name.replace('_', '-')}.{settings.BASE_DOMAIN}"


@contextlib.contextmanager
def _errors_on(parameter: str):
    """A ValidationError raised inside is keyed by the service's `parameter` it is about
    (the API's input fields have the same names: a 422 points at the field)."""
    try:
        yield
    except ValidationError as exc:
        raise ValidationError({parameter: exc.error_list}) from exc


def tenant_provision(
    *,
    name: str,
    display_name: str = "",
    domains: list[str] | None = None,
    admin_email: str = "",
    admin_password: str = "",
) -> Tenant:
    """Create a live tenant with its domains and, optionally, its first admin user.

    The admin is a superuser *of this tenant only* (the users table is per schema);
    their username is their email. Bad input raises a ValidationError keyed by the
    parameter at fault, before anything is written.
    """
    with _errors_on("name"):
        schema_name_validate(name)
        if Tenant.objects.filter(schema_name=name).exists() or schema_exists(name):
            raise ValidationError(TENANT_EXISTS.format(name=name), code="exists")
    domains = [d.lower() for d in (domains or [tenant_default_domain(name)])]
    with _errors_on("domains"):
        for domain in domains:
            domain_validate(domain)
    with _errors_on("admin_email"):
        if bool(admin_email) != bool(admin_password):
            raise ValidationError(ADMIN_INCOMPLETE, code="admin")
        if admin_email:
            validate_email(admin_email)
    if admin_email:
        with _errors_on("admin_password"):
            validate_password(admin_password)

    with transaction.atomic():
        tenant = _spare_claim(name=name, display_name=display_name or name)
        if tenant is None:
            tenant = Tenant(schema_name=name, name=display_name or name)
            tenant.save(verbosity=0)
        for index, domain in enumerate(domains):
            Domain.objects.create(domain=domain, tenant=tenant, is_primary=index == 0)
        if admin_email:
            with tenant_context(tenant):
                get_user_model().objects.create_superuser(
                    username=admin_email, email=admin_email, password=admin_password
                )
        transaction.on_commit(lambda: hostname_cache_clear(domains), robust=True)
        transaction.on_commit(_pool_refill_later, robust=True)
    return tenant


def _spare_claim(*, name: str, display_name: str) -> Tenant | None:
    spare = Tenant.objects.select_for_update(skip_locked=True).filter(state=Tenant.State.SPARE).order_by("pk").first()
    if spare is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER SCHEMA "{spare.schema_name}" RENAME TO "{name}"')
    spare.schema_name = name
    spare.name = display_name
    spare.state = Tenant.State.LIVE
    spare.is_active = True
    spare.created_on = timezone.now()
    spare.save(update_fields=["schema_name", "name", "state", "is_active", "created_on"])
    return spare


def _pool_refill_later() -> None:
    from tenants.tasks import tenant_pool_refill

    # robust on_commit: a broker outage is logged, not raised; the next
    # `tenant_pool_fill` (bin/run, a deploy, the next provisioning) refills instead.
    tenant_pool_refill.delay()


def tenant_template_ensure() -> Tenant:
    """The migrated template schema that spares are cloned from."""
    template = Tenant.objects.filter(schema_name=settings.TENANT_BASE_SCHEMA).first()
    if template is None:
        template = Tenant(
            schema_name=settings.TENANT_BASE_SCHEMA, name="(template)", state=Tenant.State.TEMPLATE, is_active=False
        )
        template.save(verbosity=0)
    return template


def tenant_pool_fill(*, size: int | None = None) -> int:
    """Clone the template until `size` spares wait; returns how many were made."""
    size = settings.TENANT_SPARE_POOL_SIZE if size is None else size
    made = 0
    # Two refills racing (two provisionings' tasks) would both top the pool up.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [POOL_LOCK_ID])
        tenant_template_ensure()
        while Tenant.objects.filter(state=Tenant.State.SPARE).count() < size:
            Tenant(
                schema_name=f"spare_{secrets.token_hex(8)}", name="(spare)", state=Tenant.State.SPARE, is_active=False
            ).save(verbosity=0)
            made += 1
    return made


def tenant_pool_drain() -> int:
    """Drop every spare (after a migration changed the template, say)."""
    spares = list(Tenant.objects.filter(state=Tenant.State.SPARE))
    for spare in spares:
        spare.delete(force_drop=True)
    return len(spares)


def tenant_rename(*, tenant: Tenant, name: str) -> Tenant:
    """Change the display name; cached host entries hold the whole row, so drop them."""
    tenant.name = name
    tenant.save(update_fields=["name"])
    _hosts_forget(tenant)
    return tenant


def tenant_deactivate(*, tenant: Tenant) -> Tenant:
    """Stop serving a tenant's hosts; its schema and data stay."""
    tenant.is_active = False
    tenant.save(update_fields=["is_active"])
    _hosts_forget(tenant)
    return tenant


def tenant_activate(*, tenant: Tenant) -> Tenant:
    tenant.is_active = True
    tenant.save(update_fields=["is_active"])
    _hosts_forget(tenant)
    return tenant


def tenant_delete(*, tenant: Tenant) -> None:
    """Delete the tenant row, its domains and its schema with all its data."""
    hosts = list(tenant.domains.values_list("domain", flat=True))
    with transaction.atomic():
        tenant.delete(force_drop=True)
        transaction.on_commit(lambda: hostname_cache_clear(hosts), robust=True)


def domain_add(*, tenant: Tenant, domain: str, is_primary: bool = False) -> Domain:
    domain = domain.lower()
    with _errors_on("domain"):
        domain_validate(domain)
    with transaction.atomic():
        # The primary-domain rule is applied by the save (domain_primary_set says which).
        created = Domain.objects.create(domain=domain, tenant=tenant, is_primary=is_primary)
        transaction.on_commit(lambda: hostname_cache_clear([domain]), robust=True)
    return created


def domain_primary_set(*, domain: Domain, is_primary: bool = True) -> Domain:
    """Mark `domain` as its tenant's primary domain (the one its links and the admin name),
    or not. The rule is django-tenants' own, applied by every save of a Domain
    (`DomainMixin.save`), so it holds for domain_add and provisioning too: a tenant with
    domains has exactly one primary; marking one un-marks the others, and the only primary
    domain stays primary when un-marked (mark another one instead)."""
    with transaction.atomic():
        domain.is_primary = is_primary
        domain.save(update_fields=["is_primary"])
    return domain


def domain_remove(*, domain: Domain) -> None:
    host = domain.domain
    with transaction.atomic():
        domain.delete()
        transaction.on_commit(lambda: hostname_cache_clear([host]), robust=True)


def _hosts_forget(tenant: Tenant) -> None:
    hosts = list(tenant.domains.values_list("domain", flat=True))
    transaction.on_commit(lambda: hostname_cache_clear(hosts), robust=True)
