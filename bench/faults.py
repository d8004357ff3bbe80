"""Benchmark of faults and hostile input (issue 11): what the fault handling costs on the hot
paths, and what an outage costs. Run: `.venv/bin/python bench/faults.py [--base REV] [--quick]`.

Uses its own embedded PostgreSQL + Redis under `.data/bench-faults`; one tenant with the
longest demo page of content/demo.py (published, so cached) and an editor with a JWT.

1. Hot paths, `wrk -t2 -c8`: the cached page (a visitor's hit: host lookup + page from
   Redis, no SQL) on gunicorn and granian (2 workers each), and `GET /api/pages/<slug>`
   with a JWT on gunicorn (deny-list MGET, user row, rate-limit INCR, page row). With
   `--base REV` the same servers run that git revision too (`git archive` into
   `.data/bench-faults/base`, same venv, same database and Redis), and the runs alternate
   A, B, A, B so drifting background load hits both; medians and the ratio B/A per target.
2. Redis stopped (this checkout only): the same page, now rendered from the database on
   every request, and the API read (rate limits and the deny-list fail open); every
   answer must still be a 200.

Prints medians and the load average (the machine is shared); figures go to
docs/bench/faults.json. Needs Debian's `wrk` (installed when missing, as root).
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from _common import Server, load_average, results_write, services_stop, wrk, wrk_ensure

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATA_DIR", str(ROOT / ".data" / "bench-faults"))
os.environ.setdefault("JWT_ACCESS_MINUTES", "240")  # the token must outlive the run
os.environ.setdefault("HTTPS", "0")

TENANT = ("benchfaults", "Bench Faults", "benchfaults.localhost")
EDITOR = ("bench@benchfaults.example", "bench-faults-pass-8812")
PORTS = range(8300, 8400)
UNLIMITED = "1000000000/m"


def setup() -> tuple[str, str]:
    """Tenant, published page, editor; returns (page path, "Bearer <jwt>")."""
    import django

    django.setup()
    from django.core.management import call_command
    from django_tenants.utils import tenant_context

    from api import services as api_services
    from content import services
    from content.demo import DEMO_SITES
    from content.models import Page
    from tenants import services as tenant_services
    from tenants.models import Tenant

    call_command("migrate_schemas", interactive=False, verbosity=0)
    name, display, host = TENANT
    tenant = Tenant.objects.filter(schema_name=name).first() or tenant_services.tenant_provision(
        name=name, display_name=display, domains=[host], admin_email=EDITOR[0], admin_password=EDITOR[1]
    )
    pages, nav = DEMO_SITES["acme"]
    spec = max(pages, key=lambda page: len(page["blocks"]))
    with tenant_context(tenant):
        if not Page.objects.filter(slug=spec["slug"]).exists():
            page = services.page_create(user=None, nav=nav, **spec)
            services.page_publish(page=page, user=None)
        access = api_services.token_obtain(username=EDITOR[0], password=EDITOR[1])["access"]
    return spec["slug"], f"Bearer {access}"


def base_tree(rev: str) -> Path:
    """The code of `rev`, extracted under the bench's data dir (not a checkout: no .git)."""
    target = Path(os.environ["DATA_DIR"]) / "base"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def _server(kind: str, cwd: Path) -> Server:
    from django.conf import settings

    env = {
        "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": settings.REDIS_URL,
        "DATA_DIR": str(settings.DATA_DIR),
        "API_RATE_LIMIT_ANON": UNLIMITED,
        "API_RATE_LIMIT_USER": UNLIMITED,
        "API_RATE_LIMIT_KEY": UNLIMITED,
    }
    return Server(kind, env=env, ports=PORTS, cwd=cwd)


def _wrk(server: Server, path: str, auth: str | None, seconds: int) -> dict:
    headers = {"Host": TENANT[2], **({"Authorization": auth} if auth else {})}
    return wrk(server.url(path), headers=headers, seconds=seconds)


def hot_paths(targets: dict, trees: dict[str, Path], repeats: int, seconds: int) -> dict:
    """req/s of each target on each tree, alternating trees run by run."""
    figures = {}
    for target, (kind, path, auth) in targets.items():
        servers = {label: _server(kind, tree) for label, tree in trees.items()}
        try:
            for server in servers.values():  # warm: caches filled, workers connected
                _wrk(server, path, auth, 2)
            runs = {label: [] for label in servers}
            for _ in range(repeats):
                for label, server in servers.items():
                    runs[label].append(_wrk(server, path, auth, seconds)["rps"])
        finally:
            for server in servers.values():
                server.stop()
        figures[target] = {label: {"rps": statistics.median(r), "runs": r} for label, r in runs.items()}
        line = "  ".join(f"{label} {statistics.median(r):,.0f} req/s" for label, r in runs.items())
        if "base" in runs:
            figures[target]["ratio"] = statistics.median(runs["this"]) / statistics.median(runs["base"])
            line += f"  this/base {figures[target]['ratio']:.3f}"
        print(f"  {target:<22} {line}  ({load_average()})", flush=True)
    return figures


def redis_down(targets: dict, repeats: int, seconds: int) -> dict:
    from django.conf import settings

    from config import services

    figures = {}
    for target, (kind, path, auth) in targets.items():
        server = _server(kind, ROOT)
        try:
            _wrk(server, path, auth, 2)
            up = [_wrk(server, path, auth, seconds)["rps"] for _ in range(repeats)]
            services.redis_stop(settings.DATA_DIR)
            try:
                down = [_wrk(server, path, auth, seconds)["rps"] for _ in range(repeats)]  # fails on any non-2xx
            finally:
                services.redis_url(settings.DATA_DIR)
        finally:
            server.stop()
        figures[target] = {"redis_up_rps": statistics.median(up), "redis_down_rps": statistics.median(down)}
        print(
            f"  {target:<22} Redis up {statistics.median(up):,.0f} req/s, down {statistics.median(down):,.0f} req/s "
            f"(all 200)  ({load_average()})",
            flush=True,
        )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", help="a git revision to measure next to this checkout (e.g. main)")
    parser.add_argument("--quick", action="store_true", help="fewer and shorter runs")
    parser.add_argument("--keep-services", action="store_true", help="leave the embedded servers running")
    args = parser.parse_args()
    repeats, seconds = (2, 4) if args.quick else (5, 8)

    wrk_ensure()
    slug, jwt = setup()
    from django.db import connections

    connections.close_all()
    page = f"/{slug}/" if slug else "/"
    targets = {
        "cached page gunicorn": ("gunicorn", page, None),
        "cached page granian": ("granian", page, None),
        "API read JWT gunicorn": ("gunicorn", f"/api/pages/{slug or '_home'}", jwt),
    }
    trees = {"this": ROOT}
    if args.base:
        trees["base"] = base_tree(args.base)
    try:
        print(f"== hot paths, 2 workers, wrk -t2 -c8 -d{seconds}s x{repeats}, trees {list(trees)} ({load_average()})")
        hot = hot_paths(targets, trees, repeats, seconds)
        print(f"== Redis stopped, this checkout, gunicorn ({load_average()})")
        down = redis_down({k: v for k, v in targets.items() if "gunicorn" in k}, repeats, seconds)
        print(f"== done ({load_average()})")
        if not args.quick:
            results_write("faults", {"base": args.base, "hot_paths": hot, "redis_down": down})
    finally:
        connections.close_all()
        services_stop(keep=args.keep_services)
    return 0


if __name__ == "__main__":
    sys.exit(main())
