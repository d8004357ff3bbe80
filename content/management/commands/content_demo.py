from django.core.management.base import BaseCommand
from django_tenants.utils import tenant_context

from content import services
from content.demo import DEMO_SITES, bench_page
from content.models import Page
from tenants.models import Tenant


class Command(BaseCommand):
    help = "Give the demo tenants (acme, globex) their published pages and a `bench` page; idempotent."

    def handle(self, *args, **options):
        seed = bench_page()
        for schema_name, (pages, nav) in DEMO_SITES.items():
            tenant = Tenant.objects.filter(schema_name=schema_name).first()
            if tenant is None:
                self.stdout.write(f"No tenant {schema_name} (run tenant_demo first)")
                continue
            with tenant_context(tenant):
                specs = [{**spec, "nav": nav} for spec in pages]
                specs.append({key: seed[key] for key in ("slug", "title", "blocks", "nav")})
                created = sum(self._page_ensure(spec) for spec in specs)
            self.stdout.write(f"{schema_name}: {created} demo page(s) created, {len(specs) - created} already there")

    def _page_ensure(self, spec: dict) -> bool:
        """Create and publish the page unless its slug exists (editors' changes are kept)."""
        if Page.objects.filter(slug=spec["slug"]).exists():
            return False
        page = services.page_create(user=None, **spec)
        services.page_publish(page=page, user=None)
        return True
