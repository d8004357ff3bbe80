"""Provisioning benchmark (issue 3): median time to create a tenant, 20 creations.

    .venv/bin/python bench/provisioning.py [--runs 20]

Three paths, each on the full app set of this checkout:
- spare: the shipped path, a pre-cloned spare schema renamed (pool filled beforehand);
- clone: no spare left, the template schema cloned on the spot (TENANT_BASE_SCHEMA);
- migrate: what provisioning costs without either, every migration run in a new schema.
Plus the spare path with a first admin user (its password hash dominates).
Runs against its own data dir (.data/bench); every tenant it makes is deleted.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATA_DIR", str(ROOT / ".data" / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from _common import load_average, results_write  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from tenants import services  # noqa: E402
from tenants.models import Tenant  # noqa: E402


def _time(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def _drop(names):
    for tenant in Tenant.objects.filter(schema_name__in=names):
        services.tenant_delete(tenant=tenant)


def run_spare(runs: int, with_admin: bool) -> list[float]:
    services.tenant_pool_fill(size=runs)
    names = [f"bench_spare_{i}" for i in range(runs)]
    extra = {"admin_email": "owner@bench.example", "admin_password": "bench-owner-pass"} if with_admin else {}
    times = [_time(lambda n=n: services.tenant_provision(name=n, **extra)) for n in names]
    _drop(names)
    return times


def run_clone(runs: int) -> list[float]:
    services.tenant_pool_drain()
    names = [f"bench_clone_{i}" for i in range(runs)]
    times = [_time(lambda n=n: services.tenant_provision(name=n)) for n in names]
    _drop(names)
    return times


def run_migrate(runs: int) -> list[float]:
    names = [f"bench_migrate_{i}" for i in range(runs)]
    times = []
    original = settings.TENANT_CREATION_FAKES_MIGRATIONS
    settings.TENANT_CREATION_FAKES_MIGRATIONS = False
    try:
        for name in names:
            times.append(_time(lambda n=name: services.tenant_provision(name=n)))
    finally:
        settings.TENANT_CREATION_FAKES_MIGRATIONS = original
    _drop(names)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    call_command("migrate_schemas", interactive=False, verbosity=0)
    services.tenant_template_ensure()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", [settings.TENANT_BASE_SCHEMA]
        )
        tables = cursor.fetchone()[0]
    print(f"tenant schema: {tables} tables; {args.runs} creations per path ({load_average()})")
    rows = [
        ("spare (shipped)", run_spare(args.runs, with_admin=False)),
        ("spare + admin user", run_spare(args.runs, with_admin=True)),
        ("clone template", run_clone(max(5, args.runs // 2))),
        ("run migrations", run_migrate(max(3, args.runs // 4))),
    ]
    services.tenant_pool_fill()
    print(f"{'path':<22}{'n':>4}{'median ms':>12}{'p90 ms':>10}{'min ms':>10}")
    figures = {"tables": tables}
    for name, times in rows:
        p90 = statistics.quantiles(times, n=10)[-1] if len(times) >= 2 else times[0]
        print(f"{name:<22}{len(times):>4}{statistics.median(times):>12.1f}{p90:>10.1f}{min(times):>10.1f}")
        figures[name] = {"runs": len(times), "median_ms": statistics.median(times), "p90_ms": p90, "min_ms": min(times)}
    results_write("provisioning", figures)


if __name__ == "__main__":
    main()
