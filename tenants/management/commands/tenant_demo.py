from django.conf import settings
from django.core.management.base import BaseCommand

from tenants import services
from tenants.models import Tenant

DEMO_TENANTS = [
    ("acme", "Acme Robotics"),
    ("globex", "Globex Coffee"),
]


def demo_logins() -> list[tuple[str, str, str]]:
    """(tenant, email, password) of each demo editor."""
    return [(name, f"editor@{name}.example", f"{name}-demo-editor") for name, _ in DEMO_TENANTS]


class Command(BaseCommand):
    help = "Provision the demo tenants (acme, globex) and the platform superuser; idempotent."

    def handle(self, *args, **options):
        from django.contrib.auth import get_user_model

        User = get_user_model()
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@platform.example", settings.DEMO_ADMIN_PASSWORD)
        services.tenant_pool_fill()
        logins = dict((name, (email, password)) for name, email, password in demo_logins())
        for name, display_name in DEMO_TENANTS:
            if Tenant.objects.filter(schema_name=name).exists():
                self.stdout.write(f"Demo tenant {name} exists")
                continue
            email, password = logins[name]
            services.tenant_provision(name=name, display_name=display_name, admin_email=email, admin_password=password)
            self.stdout.write(f"Created demo tenant {name}")
