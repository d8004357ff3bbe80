"""Benchmark of page serving (issues 4 and 12). Run: `.venv/bin/python bench/pages.py [--quick]`.

Uses its own embedded PostgreSQL + Redis under `.data/bench` (or DATABASE_URL/REDIS_URL),
provisions two tenants and measures, for the 20-block seed page (content/fixtures/page20.json):

1. in process (Django's test client, full middleware stack): the request with the cache off
   and on, the shell render alone, and SQL queries per request;
2. a tenant with 1,000,000 pages (bulk-inserted with generate_series): the slug lookup in
   the database (p50, EXPLAIN shows an index scan) and the HTTP request (cache off) next
   to the 20-page tenant (`--no-million` skips this part);
3. over HTTP with `wrk -t2 -c8`: the cached page, the page with the cache off
   (`CONTENT_PAGE_CACHE=0`) and a hello-world view (`/_bench/hello`, routed only when
   CONTENT_BENCH_HELLO=1), interleaved, on granian (`--interface wsgi --workers 2`) and
   gunicorn (2 sync workers); servers start in their own session (setsid).
   `--baseline TREE` measures another checkout of the product (e.g. `git worktree add
   /tmp/main main`) the same way in the same run, on the same database, each run of one
   alternating with the other's, so both see the same background load: before and after.

Prints medians of repeated runs and the load average, since the machine is shared.
Needs Debian's `wrk` (`apt-get install -y wrk`; installed here when missing and run as root).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import (
    Server,
    free_port,
    load_average,
    results_write,
    seed_stack_command,
    services_stop,
    session_start,
    session_stop,
    wrk,
    wrk_ensure,
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATA_DIR", str(ROOT / ".data" / "bench"))
os.environ.setdefault("HTTPS", "0")

SMALL = ("bench20", "Bench Twenty", "bench20.localhost")
LARGE = ("bench1m", "Bench Million", "bench1m.localhost")
MILLION = 1_000_000
PORTS = range(8120, 8150)


def setup(*, million: bool = True) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django_tenants.utils import tenant_context

    from content import services
    from content.demo import bench_page
    from content.models import Page
    from tenants import services as tenant_services
    from tenants.models import Tenant

    call_command("migrate_schemas", interactive=False, verbosity=0)
    seed = bench_page()
    tenants = {}
    for name, display, host in (SMALL, LARGE) if million else (SMALL,):
        tenant = Tenant.objects.filter(schema_name=name).first() or tenant_services.tenant_provision(
            name=name, display_name=display, domains=[host]
        )
        tenants[name] = tenant
        with tenant_context(tenant):
            if not Page.objects.filter(slug="bench").exists():
                page = services.page_create(
                    user=None, slug="bench", title=seed["title"], blocks=seed["blocks"], nav=seed["nav"]
                )
                services.page_publish(page=page, user=None)
    with tenant_context(tenants[SMALL[0]]):
        for index in range(1, 20):
            if not Page.objects.filter(slug=f"page-{index}").exists():
                page = services.page_create(
                    user=None, slug=f"page-{index}", title=f"Page {index}", blocks=seed["blocks"][:5]
                )
                services.page_publish(page=page, user=None)
    if million:
        _million_pages(tenants[LARGE[0]])
    return tenants


def _million_pages(tenant) -> None:
    """Filler pages straight in SQL (a two-block page each), then ANALYZE."""
    from django.db import connection
    from django_tenants.utils import tenant_context

    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM content_page")
        have = cursor.fetchone()[0]
        if have >= MILLION:
            return
        print(f"inserting {MILLION - have:,} pages into {tenant.schema_name} ...", flush=True)
        started = time.perf_counter()
        blocks = json.dumps(
            [
                {"type": "heading", "id": "h1", "text": "Filler page", "level": 2},
                {"type": "paragraph", "id": "p1", "html": "<p>One of a million pages.</p>"},
            ]
        )
        cursor.execute(
            """
            INSERT INTO content_page (slug, title, blocks, nav, status, published_title, published_blocks,
                published_nav, published_images, published_at, meta_description, canonical_url, social_image,
                noindex, created_at, updated_at)
            SELECT 'p/' || g, 'Page ' || g, %s::jsonb, '[]'::jsonb, 'published', 'Page ' || g, %s::jsonb,
                '[]'::jsonb, '{}'::jsonb, now(), '', '', '', false, now(), now()
            FROM generate_series(1, %s) AS g
            ON CONFLICT (slug) DO NOTHING
            """,
            [blocks, blocks, MILLION - 1],
        )
        cursor.execute("ANALYZE content_page")
        print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)


def db_lookup(tenant, samples: int) -> dict:
    """Round trip of the page view's query (psycopg, unix socket) and the executor time
    PostgreSQL reports, for random slugs of the million-page tenant."""
    import random

    from django.db import connection
    from django_tenants.utils import tenant_context

    from content import selectors

    rng = random.Random(4)
    with tenant_context(tenant):
        query = (
            selectors.page_published_get.__wrapped__ if hasattr(selectors.page_published_get, "__wrapped__") else None
        )
        del query
        with connection.cursor() as cursor:
            sql, params = (
                selectors.Page.objects.only("id", "slug", "published_blocks")
                .filter(slug="x", status="published")
                .query.sql_with_params()
            )
            cursor.execute("EXPLAIN " + sql, ["p/123456", "published"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
            round_trips, executor = [], []
            for _ in range(samples):
                slug = f"p/{rng.randint(1, MILLION - 1)}"
                started = time.perf_counter()
                list(selectors.Page.objects.filter(slug=slug, status="published").values_list("id", "published_title"))
                round_trips.append((time.perf_counter() - started) * 1000)
            for _ in range(min(samples, 300)):
                cursor.execute(
                    "EXPLAIN (ANALYZE, FORMAT JSON) " + sql, [f"p/{rng.randint(1, MILLION - 1)}", "published"]
                )
                executor.append(cursor.fetchone()[0][0]["Execution Time"])
    return {
        "index_scan": "Index Scan" in plan,
        "plan": plan,
        "orm_round_trip_p50_ms": statistics.median(round_trips),
        "orm_round_trip_p95_ms": statistics.quantiles(round_trips, n=20)[-1],
        "execution_p50_ms": statistics.median(executor),
    }


def _request_p50(client, path: str, repeats: int) -> float:
    for _ in range(20):
        assert client.get(path).status_code == 200
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def in_process(repeats: int) -> dict:
    """Through the full middleware stack with Django's test client: cache off, then on."""
    from django.conf import settings
    from django.db import connection
    from django.template.loader import render_to_string
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils.safestring import mark_safe
    from django_tenants.utils import tenant_context

    from content.frame import site_frame
    from content.models import Page
    from content.rendering import page_html_current
    from tenants.models import Tenant

    client = Client(HTTP_HOST=SMALL[2])
    settings.CONTENT_PAGE_CACHE = False
    uncached = _request_p50(client, "/bench/", repeats)
    with CaptureQueriesContext(connection) as captured:
        client.get("/bench/")
    queries = list(captured.captured_queries)  # the next request clears the log
    settings.CONTENT_PAGE_CACHE = True
    cached = _request_p50(client, "/bench/", repeats)
    with CaptureQueriesContext(connection) as captured:
        client.get("/bench/")
    cached_queries = list(captured.captured_queries)
    tenant = Tenant.objects.get(schema_name=SMALL[0])
    with tenant_context(tenant):
        page = Page.objects.get(slug="bench")
        html = page_html_current(page)
        context = {
            **site_frame(tenant=tenant, home_nav=False),
            "title": page.published_title,
            "blocks_html": mark_safe(html["blocks"]),  # noqa: S308 (our rendering)
            "nav_html": mark_safe(html["nav"]),  # noqa: S308 (our rendering)
            "page": page,
        }
        render_times = []
        for _ in range(repeats):
            started = time.perf_counter()
            render_to_string("pages/page.html", context)
            render_times.append((time.perf_counter() - started) * 1000)
    return {
        "request_p50_ms": uncached,
        "cached_request_p50_ms": cached,
        "render_p50_ms": statistics.median(render_times),
        "queries": len(queries),
        "cached_queries": len(cached_queries),
        "query_sql": [q["sql"][:90] for q in queries],
    }


def _server(kind: str, *, cache: bool = True, tree: Path = ROOT, redis_db: int = 1) -> Server:
    from django.conf import settings

    from config.services import redis_with_db

    env = {
        "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": settings.REDIS_URL,
        # The baseline gets a cache of its own: the two trees' entries need not agree.
        "REDIS_CACHE_URL": redis_with_db(settings.REDIS_URL, redis_db),
        "DATA_DIR": str(settings.DATA_DIR),
        "CONTENT_BENCH_HELLO": "1",
        "CONTENT_PAGE_CACHE": "1" if cache else "0",
    }
    return Server(kind, env=env, ports=PORTS, cwd=tree)


def _wrk(url: str, host: str, **kwargs) -> dict:
    return wrk(url, headers={"Host": host}, **kwargs)


class Anchor:
    """The seed-stack anchor (FastAPI + asyncpg, one row per page, no cache: the stack the
    product's brief names as fast) served from the working copy its `run.sh` prepared
    (ANCHOR_WORK: venv, data): its PostgreSQL and uvicorn (2 workers, own session), so its
    `/bench` runs interleaved with ours and every ratio comes from one run."""

    def __init__(self, work: Path):
        self.work = work
        python = str(work / ".venv" / "bin" / "python")
        started = self._pg(python, "start")
        self.pg_started = started == "started"
        self._pg(python, "seed", str(ROOT / "content" / "fixtures" / "page20.json"))
        env = {**os.environ, "CAW_DSN": self._pg(python, "dsn"), "CAW_POOL_SIZE": "4", "PYTHONWARNINGS": "ignore"}
        self.port = free_port(PORTS)
        try:
            self.proc = session_start(
                seed_stack_command(work, self.port), cwd=work, env=env, url=self.url("/hello"), what="the seed stack"
            )
        except RuntimeError:
            self.proc = None
            self.stop()
            raise

    def _pg(self, python: str, *args: str) -> str:
        return subprocess.run(
            [python, "pg.py", *args], cwd=self.work, capture_output=True, text=True, check=True
        ).stdout.strip()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        if self.proc is not None:
            session_stop(self.proc)
        if self.pg_started:
            self._pg(str(self.work / ".venv" / "bin" / "python"), "stop")


def throughput(kind: str, repeats: int, seconds: int, trees: dict[str, Path], anchor: Anchor | None = None) -> dict:
    """Cached page, page with the cache off and hello, per tree ("after" is this checkout,
    "before" the baseline), and the seed stack's `/bench`, each run interleaved with the
    others; ratios to the seed stack from the same runs."""
    servers = {}
    try:
        for index, (name, tree) in enumerate(trees.items()):
            servers[(name, "cached")] = _server(kind, tree=tree, redis_db=1 + index)
            servers[(name, "uncached")] = _server(kind, cache=False, tree=tree, redis_db=1 + index)
        targets = [(key, "/bench/") for key in servers] + [((name, "cached"), "/_bench/hello") for name in trees]
        if anchor is not None:
            servers[("anchor", "seed")] = anchor
            targets.append((("anchor", "seed"), "/bench"))
        for key, path in targets:  # warm: caches filled, workers connected
            _wrk(servers[key].url(path), SMALL[2], seconds=2)
        runs: dict[tuple, list[dict]] = {(key, path): [] for key, path in targets}
        for _ in range(repeats):  # interleaved, so drifting background load hits all alike
            for key, path in targets:
                runs[(key, path)].append(_wrk(servers[key].url(path), SMALL[2], seconds=seconds))
    finally:
        for key, server in servers.items():
            if key[0] != "anchor":
                server.stop()
    results = {}
    if anchor is not None:
        done = runs[(("anchor", "seed"), "/bench")]
        results["seed_stack"] = {
            "page_rps": statistics.median(r["rps"] for r in done),
            "page_p50_ms": statistics.median(r["p50_ms"] for r in done),
            "page_runs": [r["rps"] for r in done],
        }
    for name in trees:
        figures = {}
        for label, key, path in (
            ("page", (name, "cached"), "/bench/"),
            ("uncached", (name, "uncached"), "/bench/"),
            ("hello", (name, "cached"), "/_bench/hello"),
        ):
            done = runs[(key, path)]
            figures[f"{label}_rps"] = statistics.median(r["rps"] for r in done)
            figures[f"{label}_p50_ms"] = statistics.median(r["p50_ms"] for r in done)
            figures[f"{label}_runs"] = [r["rps"] for r in done]
        figures["ratio"] = figures["page_rps"] / figures["hello_rps"]
        if anchor is not None:
            seed = results["seed_stack"]["page_rps"]
            figures["cached_vs_seed"] = figures["page_rps"] / seed
            figures["uncached_vs_seed"] = figures["uncached_rps"] / seed
        results[name] = figures
    return results


def large_tenant_http(repeats: int, seconds: int) -> dict:
    """Cache off, one connection: the page lookup is in every request."""
    server = _server("gunicorn", cache=False)
    try:
        results = {}
        for name, host in ((SMALL[0], SMALL[2]), (LARGE[0], LARGE[2])):
            _wrk(server.url("/bench/"), host, connections=1, threads=1, seconds=2)
            runs = [
                _wrk(server.url("/bench/"), host, connections=1, threads=1, seconds=seconds)["p50_ms"]
                for _ in range(repeats)
            ]
            results[name] = statistics.median(runs)
        return results
    finally:
        server.stop()


def _throughput_print(by_tree: dict) -> None:
    seed = by_tree.get("seed_stack")
    if seed:
        print(f"  [seed stack] /bench    {seed['page_rps']:,.0f} req/s p50 {seed['page_p50_ms']:.2f} ms")
    for name, result in by_tree.items():
        if name == "seed_stack":
            continue
        for label, key in (("cached page", "page"), ("cache off", "uncached"), ("hello", "hello")):
            rps, p50 = result[f"{key}_rps"], result[f"{key}_p50_ms"]
            vs_seed = f"  = {rps / seed['page_rps']:.2f}x the seed stack" if seed and key != "hello" else ""
            print(f"  [{name}] {label:11s} {rps:,.0f} req/s p50 {p50:.2f} ms{vs_seed}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer and shorter runs (figures not written)")
    parser.add_argument("--keep-services", action="store_true", help="leave the embedded servers running")
    parser.add_argument("--no-million", action="store_true", help="skip the 1,000,000-page tenant")
    parser.add_argument("--baseline", type=Path, help="another checkout to measure alongside (before/after)")
    parser.add_argument("--servers", default="granian,gunicorn", help="web servers to measure (comma-separated)")
    parser.add_argument(
        "--anchor", type=Path, help="the seed stack's working copy (ANCHOR_WORK of its run.sh, run once before)"
    )
    args = parser.parse_args()
    repeats, seconds = (2, 4) if args.quick else (5, 8)
    trees = {"after": ROOT}
    if args.baseline:
        trees["before"] = args.baseline.resolve()

    wrk_ensure()
    tenants = setup(million=not args.no_million)
    from django.db import connections

    try:
        print(f"== in process ({load_average()})", flush=True)
        local = in_process(300 if not args.quick else 100)
        print(f"  cache off: request p50 {local['request_p50_ms']:.2f} ms")
        print(f"  cache off: shell render p50 {local['render_p50_ms']:.2f} ms")
        print(f"  cache off: SQL queries per request: {local['queries']}: {local['query_sql']}")
        print(f"  cache hit: request p50 {local['cached_request_p50_ms']:.3f} ms, {local['cached_queries']} SQL")

        lookup = http = None
        if not args.no_million:
            print(f"== 1,000,000-page tenant: slug lookup ({load_average()})", flush=True)
            lookup = db_lookup(tenants[LARGE[0]], 2000 if not args.quick else 300)
            print(f"  plan uses an index scan: {lookup['index_scan']}")
            print(f"  executor p50 {lookup['execution_p50_ms']:.3f} ms  (target < 1 ms)")
            p50, p95 = lookup["orm_round_trip_p50_ms"], lookup["orm_round_trip_p95_ms"]
            print(f"  ORM round trip p50 {p50:.3f} ms, p95 {p95:.3f} ms")
        connections.close_all()

        results = {}
        anchor = Anchor(args.anchor.resolve()) if args.anchor else None
        try:
            for kind in args.servers.split(","):
                print(f"== {kind}, 2 workers, wrk -t2 -c8 -d{seconds}s x{repeats} ({load_average()})", flush=True)
                results[kind] = by_tree = throughput(kind, repeats, seconds, trees, anchor)
                _throughput_print(by_tree)
                print(f"  ({load_average()})")
        finally:
            if anchor is not None:
                anchor.stop()

        if not args.no_million:
            print(f"== HTTP p50, cache off, 1 connection, gunicorn ({load_average()})", flush=True)
            http = large_tenant_http(repeats, seconds // 2 or 2)
            print(f"  20-page tenant        {http[SMALL[0]]:.2f} ms")
            print(f"  1,000,000-page tenant {http[LARGE[0]]:.2f} ms")
        print(f"== done ({load_average()})")
        if not args.quick:
            local.pop("query_sql")
            results_write(
                "pages", {"in_process": local, "lookup_1m": lookup, "throughput": results, "http_p50_ms": http}
            )
    finally:
        connections.close_all()
        services_stop(keep=args.keep_services)
    return 0


if __name__ == "__main__":
    sys.exit(main())
