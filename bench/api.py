"""Benchmark of the API (issue 5). Run: `.venv/bin/python bench/api.py [--quick]`.

Uses its own embedded PostgreSQL + Redis under `.data/bench-api` (or DATABASE_URL/REDIS_URL),
provisions one tenant with the 20-block seed page (content/fixtures/page20.json), issues a JWT
in process and serves the app with gunicorn (2 sync workers) and granian (WSGI, 2 workers),
each in its own session (setsid), on ports in 8200-8299. `--baseline main` also serves the
code of another git revision (exported to a temporary directory, same venv and database), so
one run measures before and after. With `wrk -t2 -c8 --latency` it measures, interleaved and
repeated (3 x 8 s, medians):

- `GET /api/pages/bench` with `Authorization: Bearer <JWT>` (the editor's read: JWT check,
  the user's cached state + deny-list + rate-limit counter in one Redis round trip, the page
  row, pydantic + orjson serialisation of 20 blocks);
- `GET /api/published/pages/bench` with `Authorization: Api-Key <key>` (the headless read:
  the key's cached state, its counter and the page's cached JSON in one Redis round trip);
- the hello-world view of the content app (`/_bench/hello`, CONTENT_BENCH_HELLO=1), the
  baseline for the ratio.

Rate limits are raised for the run (API_RATE_LIMIT_*), or every request past the first
minute's allowance would be a 429. Prints medians, p99 and the load average (shared machine).
Needs Debian's `wrk` (installed when missing, as root).
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import Server, load_average, results_write, services_stop, wrk, wrk_ensure

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATA_DIR", str(ROOT / ".data" / "bench-api"))
os.environ.setdefault("JWT_ACCESS_MINUTES", "120")  # the token must outlive the run
os.environ.setdefault("HTTPS", "0")

TENANT = ("benchapi", "Bench API", "benchapi.localhost")
ADMIN = ("bench@benchapi.example", "bench-api-pass-4471")
PORTS = range(8200, 8300)
UNLIMITED = "1000000000/m"


def setup() -> dict:
    """Tenant, published seed page, a JWT and an API key; returns the two credentials."""
    import django

    django.setup()
    from django.core.management import call_command
    from django_tenants.utils import tenant_context

    from api import services as api_services
    from content import services
    from content.demo import bench_page
    from content.models import Page
    from tenants import services as tenant_services
    from tenants.models import Tenant

    call_command("migrate_schemas", interactive=False, verbosity=0)
    name, display, host = TENANT
    tenant = Tenant.objects.filter(schema_name=name).first() or tenant_services.tenant_provision(
        name=name, display_name=display, domains=[host], admin_email=ADMIN[0], admin_password=ADMIN[1]
    )
    seed = bench_page()
    with tenant_context(tenant):
        if not Page.objects.filter(slug="bench").exists():
            page = services.page_create(
                user=None, slug="bench", title=seed["title"], blocks=seed["blocks"], nav=seed["nav"]
            )
            services.page_publish(page=page, user=None)
        access = api_services.token_obtain(username=ADMIN[0], password=ADMIN[1])["access"]
        _key, plain = api_services.api_key_create(name="bench", scopes=["pages:read"])
    return {"jwt": f"Bearer {access}", "key": f"Api-Key {plain}"}


def _server(kind: str, cwd: Path) -> Server:
    from django.conf import settings

    env = {
        "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": settings.REDIS_URL,
        "DATA_DIR": str(settings.DATA_DIR),
        "CONTENT_BENCH_HELLO": "1",
        "API_RATE_LIMIT_ANON": UNLIMITED,
        "API_RATE_LIMIT_USER": UNLIMITED,
        "API_RATE_LIMIT_KEY": UNLIMITED,
    }
    return Server(kind, env=env, ports=PORTS, cwd=cwd)


def _wrk(url: str, *, authorization: str | None = None, seconds: int) -> dict:
    headers = {"Host": TENANT[2]}
    if authorization:
        headers["Authorization"] = authorization
    # Errors are counted, not fatal: on a loaded machine the baseline's four PostgreSQL round
    # trips per read occasionally ended in a non-2xx answer; each figure says how many.
    return wrk(url, headers=headers, seconds=seconds, errors_allowed=True)


def _tree_export(rev: str) -> Path:
    """The code of git revision `rev` in a temporary directory (served from there with this
    checkout's venv), so the same run measures before and after."""
    target = Path(tempfile.mkdtemp(prefix="bench-api-"))
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer and shorter runs")
    parser.add_argument("--keep-services", action="store_true", help="leave the embedded servers running")
    parser.add_argument(
        "--baseline", metavar="REV", help="also serve git revision REV (e.g. main), interleaved: before and after"
    )
    parser.add_argument(
        "--servers", default="gunicorn,granian", help="comma-separated web servers (default: gunicorn,granian)"
    )
    args = parser.parse_args()
    repeats, seconds = (2, 4) if args.quick else (3, 8)

    wrk_ensure()
    credentials = setup()
    from django.db import connections

    connections.close_all()
    targets = {
        "hello": ("/_bench/hello", None),
        "pages_jwt": ("/api/pages/bench", credentials["jwt"]),
        "published_key": ("/api/published/pages/bench", credentials["key"]),
    }
    trees = {"this": ROOT}
    if args.baseline:
        trees[args.baseline] = _tree_export(args.baseline)
    servers = {}
    try:
        for kind in args.servers.split(","):
            for tree, cwd in trees.items():
                servers[(kind, tree)] = _server(kind, cwd)
        for server in servers.values():  # warm: workers connected, code paths loaded, caches filled
            for path, auth in targets.values():
                _wrk(server.url(path), authorization=auth, seconds=2)
        print(
            f"== {', '.join(f'{k} ({t})' for k, t in servers)}: 2 workers each, "
            f"wrk -t2 -c8 -d{seconds}s x{repeats}, interleaved ({load_average()})",
            flush=True,
        )
        runs = {(key, name): [] for key in servers for name in targets}
        for round_ in range(repeats):
            for key, server in servers.items():
                for name, (path, auth) in targets.items():
                    runs[(key, name)].append(_wrk(server.url(path), authorization=auth, seconds=seconds))
            print(f"  round {round_ + 1}/{repeats} done ({load_average()})", flush=True)
        figures = {}
        for kind, tree in servers:
            hello_rps = statistics.median(r["rps"] for r in runs[((kind, tree), "hello")])
            block = figures.setdefault(kind, {}).setdefault(tree, {})
            print(f"-- {kind}, {'this checkout' if tree == 'this' else tree}")
            for name, (path, _auth) in targets.items():
                done = runs[((kind, tree), name)]
                rps = statistics.median(r["rps"] for r in done)
                p50 = statistics.median(r["p50_ms"] for r in done)
                p99 = statistics.median(r["p99_ms"] for r in done)
                errors = sum(r["non_2xx"] for r in done)
                block[name] = {
                    "path": path,
                    "rps": rps,
                    "p50_ms": p50,
                    "p99_ms": p99,
                    "ratio": rps / hello_rps,
                    "non_2xx": errors,
                    "requests": sum(r["requests"] for r in done),
                }
                print(
                    f"  {path:32s} {rps:8,.0f} req/s  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  "
                    f"ratio to hello {rps / hello_rps:.2f}  runs {[round(r['rps']) for r in done]}"
                    + (f"  NON-2XX {errors}" if errors else "")
                )
        if args.baseline:
            print(f"-- this checkout / {args.baseline} (req/s, same run)")
            for kind in figures:
                for name in targets:
                    speedup = figures[kind]["this"][name]["rps"] / figures[kind][args.baseline][name]["rps"]
                    figures[kind].setdefault("speedup", {})[name] = speedup
                    print(f"  {kind:9s} {name:14s} {speedup:5.2f}x")
        print(f"== done ({load_average()})")
        if not args.quick:
            results_write("api", figures)
    finally:
        for server in servers.values():
            server.stop()
        for tree, cwd in trees.items():
            if tree != "this":
                shutil.rmtree(cwd, ignore_errors=True)
        services_stop(keep=args.keep_services)
    return 0


if __name__ == "__main__":
    sys.exit(main())
