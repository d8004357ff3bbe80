"""Benchmark of page serving (issue 4). Run: `.venv/bin/python bench/pages.py [--quick]`.

Uses its own embedded PostgreSQL + Redis under `.data/bench` (or DATABASE_URL/REDIS_URL),
provisions two tenants and measures, for the 20-block seed page (../shared/bench/page20.json):

1. cached page vs a hello-world view (`/_bench/hello`, routed only when
   CONTENT_BENCH_HELLO=1) with `wrk -t2 -c8`, on gunicorn (2 sync workers) and granian
   (`--interface wsgi --workers 2`); servers start in their own session (setsid);
2. cache off, in process: request time through the full middleware stack, the render
   alone, and SQL queries per request;
3. a tenant with 1,000,000 pages (bulk-inserted with generate_series): the slug lookup in
   the database (p50, EXPLAIN shows an index scan) and the HTTP request (cache off) next
   to the 20-page tenant.

Prints medians of repeated runs and the load average, since the machine is shared.
Needs Debian's `wrk` (`apt-get install -y wrk`; installed here when missing and run as root).
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATA_DIR", str(ROOT / ".data" / "bench"))
os.environ.setdefault("HTTPS", "0")

SEED = ROOT.parent / "shared" / "bench" / "page20.json"
SMALL = ("bench20", "Bench Twenty", "bench20.localhost")
LARGE = ("bench1m", "Bench Million", "bench1m.localhost")
MILLION = 1_000_000
PORTS = range(8120, 8150)


def _port() -> int:
    for port in PORTS:
        with closing(socket.socket()) as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 8120-8149")


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def setup() -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django_tenants.utils import tenant_context

    from content import services
    from content.models import Page
    from tenants import services as tenant_services
    from tenants.models import Tenant

    call_command("migrate_schemas", interactive=False, verbosity=0)
    seed = json.loads(SEED.read_text())
    tenants = {}
    for name, display, host in (SMALL, LARGE):
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
                published_nav, published_at, meta_description, canonical_url, social_image, noindex,
                created_at, updated_at)
            SELECT 'p/' || g, 'Page ' || g, %s::jsonb, '[]'::jsonb, 'published', 'Page ' || g, %s::jsonb,
                '[]'::jsonb, now(), '', '', '', false, now(), now()
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


def in_process(repeats: int) -> dict:
    """Cache off, through the full middleware stack with Django's test client."""
    from django.conf import settings
    from django.db import connection
    from django.template.loader import render_to_string
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import tenant_context

    from content.models import Page
    from tenants.models import Tenant

    settings.CONTENT_PAGE_CACHE = False
    client = Client(HTTP_HOST=SMALL[2])
    for _ in range(20):
        assert client.get("/bench/").status_code == 200
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        client.get("/bench/")
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get("/bench/")
    tenant = Tenant.objects.get(schema_name=SMALL[0])
    with tenant_context(tenant):
        page = Page.objects.get(slug="bench")
        context = {
            "tenant_name": tenant.name,
            "accent_hue": 220,
            "title": page.published_title,
            "blocks": page.published_blocks,
            "nav": page.published_nav,
            "page": page,
        }
        render_times = []
        for _ in range(repeats):
            started = time.perf_counter()
            render_to_string("pages/page.html", context)
            render_times.append((time.perf_counter() - started) * 1000)
    settings.CONTENT_PAGE_CACHE = True
    return {
        "request_p50_ms": statistics.median(times),
        "render_p50_ms": statistics.median(render_times),
        "queries": len(queries.captured_queries),
        "query_sql": [q["sql"][:90] for q in queries.captured_queries],
    }


class Server:
    """gunicorn or granian on the bench database, in its own session (setsid)."""

    def __init__(self, kind: str, *, cache: bool = True):
        from django.conf import settings

        self.port = _port()
        env = dict(os.environ)
        env.update(
            DATABASE_URL=settings.DATABASE_URL,
            REDIS_URL=settings.REDIS_URL,
            DATA_DIR=str(settings.DATA_DIR),
            HTTPS="0",
            DEBUG="0",
            LOG_LEVEL="WARNING",
            CONTENT_BENCH_HELLO="1",
            CONTENT_PAGE_CACHE="1" if cache else "0",
        )
        bind = f"127.0.0.1:{self.port}"
        if kind == "gunicorn":
            cmd = [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                bind,
                "--workers",
                "2",
                "--log-level",
                "warning",
            ]
        else:
            cmd = [
                sys.executable,
                "-m",
                "granian",
                "--interface",
                "wsgi",
                "--workers",
                "2",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "config.wsgi:application",
            ]
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self._wait()

    def _wait(self) -> None:
        import urllib.request

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not start")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def wrk(url: str, host: str, *, connections: int = 8, threads: int = 2, seconds: int = 8) -> dict:
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-H", f"Host: {host}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1, "s": 1000}[p50.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"{url} answered {non2xx.group(1)} errors:\n{out}")
    return {"rps": rps, "p50_ms": float(p50.group(1)) * scale}


def throughput(kind: str, repeats: int, seconds: int) -> dict:
    server = Server(kind)
    try:
        for path in ("/_bench/hello", "/bench/"):  # warm: caches filled, workers connected
            wrk(server.url(path), SMALL[2], seconds=2)
        page, hello = [], []
        for _ in range(repeats):  # interleaved, so drifting background load hits both
            hello.append(wrk(server.url("/_bench/hello"), SMALL[2], seconds=seconds)["rps"])
            page.append(wrk(server.url("/bench/"), SMALL[2], seconds=seconds)["rps"])
        return {
            "page_rps": statistics.median(page),
            "hello_rps": statistics.median(hello),
            "ratio": statistics.median(page) / statistics.median(hello),
            "page_runs": page,
            "hello_runs": hello,
        }
    finally:
        server.stop()


def large_tenant_http(repeats: int, seconds: int) -> dict:
    """Cache off, one connection: the page lookup is in every request."""
    server = Server("gunicorn", cache=False)
    try:
        results = {}
        for name, host in ((SMALL[0], SMALL[2]), (LARGE[0], LARGE[2])):
            wrk(server.url("/bench/"), host, connections=1, threads=1, seconds=2)
            runs = [
                wrk(server.url("/bench/"), host, connections=1, threads=1, seconds=seconds)["p50_ms"]
                for _ in range(repeats)
            ]
            results[name] = statistics.median(runs)
        return results
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer and shorter runs")
    parser.add_argument("--keep-services", action="store_true", help="leave the embedded servers running")
    args = parser.parse_args()
    repeats, seconds = (2, 4) if args.quick else (5, 8)

    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True)
    tenants = setup()
    from django.conf import settings
    from django.db import connections

    from config import services

    try:
        print(f"== cache off, in process ({_load()})", flush=True)
        local = in_process(300 if not args.quick else 100)
        print(f"  request p50 {local['request_p50_ms']:.2f} ms  (target <= 3 ms)")
        print(f"  render  p50 {local['render_p50_ms']:.2f} ms")
        print(f"  SQL queries per request: {local['queries']}  (target <= 2): {local['query_sql']}")

        print(f"== 1,000,000-page tenant: slug lookup ({_load()})", flush=True)
        lookup = db_lookup(tenants[LARGE[0]], 2000 if not args.quick else 300)
        print(f"  plan uses an index scan: {lookup['index_scan']}")
        print(f"  executor p50 {lookup['execution_p50_ms']:.3f} ms  (target < 1 ms)")
        p50, p95 = lookup["orm_round_trip_p50_ms"], lookup["orm_round_trip_p95_ms"]
        print(f"  ORM round trip p50 {p50:.3f} ms, p95 {p95:.3f} ms")
        connections.close_all()

        results = {}
        for kind in ("gunicorn", "granian"):
            print(f"== {kind}, 2 workers, wrk -t2 -c8 -d{seconds}s x{repeats} ({_load()})", flush=True)
            results[kind] = result = throughput(kind, repeats, seconds)
            print(f"  cached page {result['page_rps']:,.0f} req/s  (target >= 2,500)  runs {result['page_runs']}")
            print(f"  hello       {result['hello_rps']:,.0f} req/s  runs {result['hello_runs']}")
            print(f"  ratio       {result['ratio']:.2f}  (target >= 0.6)")

        print(f"== HTTP p50, cache off, 1 connection, gunicorn ({_load()})", flush=True)
        http = large_tenant_http(repeats, seconds // 2 or 2)
        print(f"  20-page tenant        {http[SMALL[0]]:.2f} ms")
        print(f"  1,000,000-page tenant {http[LARGE[0]]:.2f} ms")
        print(f"== done ({_load()})")
    finally:
        connections.close_all()
        if not args.keep_services and not os.environ.get("DATABASE_URL"):
            services.redis_stop(settings.DATA_DIR)
            services.postgres_stop(settings.DATA_DIR)
    return 0


if __name__ == "__main__":
    sys.exit(main())
