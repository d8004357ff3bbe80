import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants import services


class Command(BaseCommand):
    help = "Provision a tenant: schema, domains and (optionally) its first admin user."

    def add_arguments(self, parser):
        parser.add_argument("name", help="schema name: lowercase letters, digits, underscores")
        parser.add_argument("--display-name", default="")
        parser.add_argument(
            "--domain", action="append", dest="domains", help="host name (repeatable); default <name>.<BASE_DOMAIN>"
        )
        parser.add_argument("--admin-email", default="")
        parser.add_argument("--admin-password", default="")

    def handle(self, *args, name, display_name, domains, admin_email, admin_password, **options):
        started = time.perf_counter()
        try:
            tenant = services.tenant_provision(
                name=name,
                display_name=display_name,
                domains=domains,
                admin_email=admin_email,
                admin_password=admin_password,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        elapsed = (time.perf_counter() - started) * 1000
        hosts = ", ".join(tenant.domains.values_list("domain", flat=True))
        self.stdout.write(self.style.SUCCESS(f"Created tenant {tenant.schema_name} ({hosts}) in {elapsed:.0f} ms"))
