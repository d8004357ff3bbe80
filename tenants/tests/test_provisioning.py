import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError
from django_tenants.utils import schema_exists, tenant_context

from tenants import services
from tenants.models import Domain, Tenant


def _spares():
    return Tenant.objects.filter(state=Tenant.State.SPARE).count()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("public", services.SCHEMA_NAME_RESERVED),
        ("pg_catalog2", services.SCHEMA_NAME_RESERVED),
        ("spare_x", services.SCHEMA_NAME_RESERVED),
        ("tenant_template", services.SCHEMA_NAME_RESERVED),
        ("Acme", services.SCHEMA_NAME_INVALID),
        ("9lives", services.SCHEMA_NAME_INVALID),
        ("acme-co", services.SCHEMA_NAME_INVALID),
        ('x"; drop schema public; --', services.SCHEMA_NAME_INVALID),
        ("a" * 64, services.SCHEMA_NAME_TOO_LONG),
    ],
)
def test_bad_names_are_rejected_with_a_clear_message(db, name, message):
    tenants_before = Tenant.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.tenant_provision(name=name)
    assert exc.value.messages == [message.format(name=name)]
    assert Tenant.objects.count() == tenants_before


def test_provisioning_claims_a_spare_schema(db, django_capture_on_commit_callbacks):
    spares = _spares()
    assert spares > 0
    tenant = services.tenant_provision(name="gamma", admin_email="boss@gamma.example", admin_password="g4mma-secret!")
    assert tenant.state == Tenant.State.LIVE
    assert schema_exists("gamma")
    assert _spares() == spares - 1
    assert list(tenant.domains.values_list("domain", flat=True)) == ["gamma.localhost"]
    with tenant_context(tenant):
        from django.contrib.auth import get_user_model

        admin = get_user_model().objects.get()
        assert admin.username == "boss@gamma.example" and admin.is_superuser


def test_provisioning_without_spares_clones_the_template(db):
    for spare in Tenant.objects.filter(state=Tenant.State.SPARE):
        spare.delete(force_drop=True)
    tenant = services.tenant_provision(name="delta")
    assert schema_exists("delta")
    with tenant_context(tenant):
        from django.contrib.auth import get_user_model

        assert get_user_model().objects.count() == 0  # the template's tables, no one's rows


def test_failed_provisioning_leaves_nothing_behind(db):
    spares = _spares()
    # The second domain collides inside the transaction, after the schema was renamed.
    with pytest.raises(IntegrityError):
        services.tenant_provision(name="epsilon", domains=["epsilon.localhost", "epsilon.localhost"])
    assert not Tenant.objects.filter(schema_name="epsilon").exists()
    assert not Domain.objects.filter(domain="epsilon.localhost").exists()
    assert not schema_exists("epsilon")
    assert _spares() == spares


def test_taken_domain_is_rejected_before_anything_is_written(db):
    with pytest.raises(ValidationError) as exc:
        services.tenant_provision(name="zeta", domains=["alpha.localhost"])
    assert exc.value.messages == [services.DOMAIN_TAKEN.format(domain="alpha.localhost")]
    assert not schema_exists("zeta")


def test_existing_name_is_rejected(db):
    with pytest.raises(ValidationError) as exc:
        services.tenant_provision(name="alpha")
    assert exc.value.messages == [services.TENANT_EXISTS.format(name="alpha")]


def test_tenant_create_command(db, capsys):
    call_command(
        "tenant_create",
        "eta",
        "--domain",
        "eta.example.com",
        "--admin-email",
        "e@eta.example",
        "--admin-password",
        "eta-secret-pass",
    )
    assert "Created tenant eta (eta.example.com)" in capsys.readouterr().out
    assert Domain.objects.get(domain="eta.example.com").tenant.schema_name == "eta"


def test_tenant_create_command_reports_bad_name(db):
    with pytest.raises(CommandError, match="reserved"):
        call_command("tenant_create", "public")


def test_deleted_tenant_loses_its_schema(db):
    tenant = services.tenant_provision(name="theta")
    services.tenant_delete(tenant=tenant)
    assert not schema_exists("theta")
    assert not Domain.objects.filter(domain="theta.localhost").exists()


def test_migrate_schemas_shows_progress(db, capsys):
    call_command("migrate_schemas", verbosity=1)
    out = capsys.readouterr().out
    count = Tenant.objects.exclude(schema_name="public").count()
    assert f"1/{count} (" in out
    assert f"{count}/{count} (100%)" in out
