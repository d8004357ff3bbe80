"""`manage.py search_reindex [--tenant NAME]`: rebuild the search index in this process.

For a first index, a model change or a restore; day to day, publishing indexes pages
through Celery. Unchanged chunks are kept (their hash matches), so a second run only
re-reads the pages.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context
from tqdm import tqdm

from content.models import Page
from search.embedders import embedder_get
from search.services import tenant_reindex
from tenants.selectors import tenant_list_live

TENANT_UNKNOWN = "No tenant named {name!r}."


class Command(BaseCommand):
    help = "Re-embed the published pages of every tenant (or of --tenant NAME)."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", help="schema name of one tenant (default: all of them)")

    def handle(self, *args, tenant=None, **options):
        tenants = tenant_list_live().order_by("schema_name")
        if tenant:
            tenants = tenants.filter(schema_name=tenant)
            if not tenants.exists():
                raise CommandError(TENANT_UNKNOWN.format(name=tenant))
        embedder = embedder_get()
        for item in tenants:
            started = time.perf_counter()
            with tenant_context(item):
                total = Page.objects.filter(status=Page.Status.PUBLISHED).count()
                with tqdm(total=total, desc=item.schema_name, unit="page", leave=True) as bar:
                    results = tenant_reindex(embedder=embedder, progress=lambda _result: bar.update(1))
            embedded = sum(result.embedded for result in results)
            chunks = sum(result.written + result.kept for result in results)
            self.stdout.write(
                f"{item.schema_name}: {len(results)} pages, {chunks} chunks, {embedded} embedded "
                f"in {time.perf_counter() - started:.1f}s"
            )
