from django.core.management.base import BaseCommand
from django_tenants.utils import tenant_context

from events.models import Scheme, WebhookEndpoint
from tenants.models import Tenant

DEMO_SECRET = "whsec_demo_{schema}"  # noqa: S105 (a demo value, printed for the demo's curl)


class Command(BaseCommand):
    help = "Give each demo tenant a Stripe webhook endpoint (/api/webhooks/stripe/); idempotent."

    def handle(self, *args, **options):
        from tenants.management.commands.tenant_demo import DEMO_TENANTS

        for schema, _ in DEMO_TENANTS:
            tenant = Tenant.objects.filter(schema_name=schema).first()
            if tenant is None:
                continue
            with tenant_context(tenant):
                WebhookEndpoint.objects.get_or_create(
                    slug="stripe",
                    defaults={"name": "Stripe", "scheme": Scheme.STRIPE, "secrets": DEMO_SECRET.format(schema=schema)},
                )
            self.stdout.write(
                f"{schema}: Stripe webhooks at /api/webhooks/stripe/ (secret {DEMO_SECRET.format(schema=schema)})"
            )
