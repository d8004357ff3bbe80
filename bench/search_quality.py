"""Search quality: recall@5 and MRR of each mode on the labeled paraphrase set
(search.quality_corpus), in a tenant of its own (`benchquality`, created once).

    .venv/bin/python bench/search_quality.py [--keyword-weight 1.0] [--analyze]

--analyze runs ANALYZE first, as autovacuum does on a live site: PostgreSQL's lexeme
statistics then let the keyword query drop this site's most common words.
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import override_settings  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

from search.embedders import embedder_get  # noqa: E402
from search.quality_corpus import corpus_evaluate, corpus_load, corpus_table  # noqa: E402
from search.selectors import Mode  # noqa: E402
from tenants import services as tenant_services  # noqa: E402
from tenants.models import Tenant  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keyword-weight", type=float, nargs="*", default=[1.0])
    parser.add_argument("--analyze", action="store_true")
    parser.add_argument("--misses", action="store_true", help="print the questions each mode missed")
    args = parser.parse_args()
    call_command("migrate_schemas", interactive=False, verbosity=0)
    tenant = Tenant.objects.filter(schema_name="benchquality").first() or tenant_services.tenant_provision(
        name="benchquality", display_name="Search quality bench"
    )
    embedder = embedder_get()
    with tenant_context(tenant):
        corpus_load(embedder=embedder)
        if args.analyze:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE search_chunk")
        for weight in args.keyword_weight:
            with override_settings(SEARCH_KEYWORD_WEIGHT=weight):
                rows = [
                    corpus_evaluate(mode=mode, embedder=embedder) for mode in (Mode.KEYWORD, Mode.SEMANTIC, Mode.HYBRID)
                ]
            print(f"\nkeyword weight in hybrid: {weight}  analyzed: {args.analyze}")
            print(corpus_table(rows))
            if args.misses:
                for row in rows:
                    print(f"  {row['mode']} missed: {row['misses']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
