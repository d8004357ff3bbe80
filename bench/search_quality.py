"""Search quality: recall@5, MRR@10 and no-answer accuracy of each mode on the labeled
sets of search/tests/quality (four sites, each in a tenant of its own, created once:
`quality_<site>`), on the calibration sites, the held-out sites and all of them.

    .venv/bin/python bench/search_quality.py [--analyze] [--misses] [--set NAME=VALUE ...]
                                             [--sweep NAME=V1,V2,...] [--no-write]

--analyze   runs ANALYZE after loading, as autovacuum does on a live site (the keyword
            ranking then reads PostgreSQL's lexeme statistics instead of counting).
--set       overrides a setting for the run (SEARCH_KEYWORD_WEIGHT=0.3).
--sweep     runs once per value of one setting and prints a line each (calibration).
--misses    prints the questions each mode got wrong.
Without --sweep or --set, figures go to docs/bench/search_quality.json.
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from _common import load_average, results_write  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import override_settings  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

from search.embedders import embedder_get  # noqa: E402
from search.selectors import Mode  # noqa: E402
from search.tests.quality import CALIBRATION, HELD_OUT, SITES  # noqa: E402
from search.tests.quality.evaluate import answers_score, scores_table, site_ask, site_load  # noqa: E402
from search.tests.quality.sets import Kind  # noqa: E402
from tenants import services as tenant_services  # noqa: E402
from tenants.models import Tenant  # noqa: E402

MODES = (Mode.SEMANTIC, Mode.KEYWORD, Mode.HYBRID)
SPLITS = {"calibration": CALIBRATION, "held-out": HELD_OUT, "all": tuple(site.name for site in SITES)}


def _value(text: str):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def tenants_loaded(*, embedder, analyze: bool) -> dict:
    tenants = {}
    for site in SITES:
        name = f"quality_{site.name}"
        tenant = Tenant.objects.filter(schema_name=name).first() or tenant_services.tenant_provision(
            name=name, display_name=f"Search quality: {site.name}"
        )
        with tenant_context(tenant):
            site_load(site, embedder=embedder)
            if analyze:
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE search_chunk")
        tenants[site.name] = tenant
    return tenants


def evaluate(tenants: dict, *, embedder) -> list:
    answers = []
    for site in SITES:
        with tenant_context(tenants[site.name]):
            for mode in MODES:
                answers += site_ask(site, mode=mode, embedder=embedder)
    return answers


def split_scores(answers: list, *, split: str, kinds=tuple(Kind)) -> list:
    sites = SPLITS[split]
    chosen = [answer for answer in answers if answer.site in sites]
    return [answers_score(chosen, mode=mode, kinds=kinds) for mode in MODES]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--analyze", action="store_true")
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--sweep", metavar="NAME=V1,V2,...")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    overrides = {name: _value(value) for name, value in (item.split("=", 1) for item in args.set)}

    call_command("migrate_schemas", interactive=False, verbosity=0)
    embedder = embedder_get()
    print(f"loading {len(SITES)} sites ({sum(len(site.pages) for site in SITES)} pages) ...", flush=True)
    tenants = tenants_loaded(embedder=embedder, analyze=args.analyze)
    print(f"== {load_average()}  analyzed: {args.analyze}  overrides: {overrides or 'none'}")

    if args.sweep:
        name, values = args.sweep.split("=", 1)
        print(f"{name:>28}  {'split':<12}{'mode':<10}{'recall@5':>9}{'MRR@10':>8}{'no-ans':>8}")
        for value in values.split(","):
            with override_settings(**overrides, **{name: _value(value)}):
                answers = evaluate(tenants, embedder=embedder)
            for split in ("calibration", "held-out"):
                for row in split_scores(answers, split=split):
                    print(
                        f"{value:>28}  {split:<12}{row.mode:<10}{row.recall:>9.3f}{row.mrr:>8.3f}{row.no_answer:>8.3f}"
                    )
        return 0

    with override_settings(**overrides):
        answers = evaluate(tenants, embedder=embedder)
    record = {"analyzed": args.analyze, "overrides": overrides, "splits": {}}
    for split in SPLITS:
        rows = split_scores(answers, split=split)
        print("\n" + scores_table(rows, title=f"{split} ({', '.join(SPLITS[split])})"))
        record["splits"][split] = {row.mode: row.as_dict() for row in rows}
        if args.misses and split == "all":
            for row in rows:
                print(f"\n  {row.mode} misses ({len(row.misses)}):")
                for miss in row.misses:
                    print(f"    {miss}")
    for kind in (Kind.PARAPHRASE, Kind.EXACT):
        rows = split_scores(answers, split="all", kinds=(kind,))
        print("\n" + scores_table(rows, title=f"all sites, {kind} questions only"))
        record["splits"][f"all-{kind}"] = {row.mode: row.as_dict() for row in rows}
    print(f"\n== done ({load_average()})")
    if not (args.no_write or overrides):
        results_write("search_quality", record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
