from django.core.management.base import BaseCommand
from django_tenants.utils import tenant_context

from content import services
from tenants.selectors import tenant_list_live


class Command(BaseCommand):
    help = (
        "Render the visitors' HTML of published pages that lack it or whose HTML an older release "
        "rendered (content.rendering), in every tenant or in --schema; idempotent, cheap when done."
    )

    def add_arguments(self, parser):
        parser.add_argument("--schema", help="only this tenant's schema")

    def handle(self, *args, schema=None, **options):
        tenants = tenant_list_live().order_by("schema_name")
        if schema:
            tenants = tenants.filter(schema_name=schema)
        tenants = list(tenants)
        for index, tenant in enumerate(tenants, 1):
            with tenant_context(tenant):
                done = services.pages_html_refresh()
            if done or options["verbosity"] > 1:
                self.stdout.write(f"[{index}/{len(tenants)}] {tenant.schema_name}: {done} page(s) rendered")
