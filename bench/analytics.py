"""Benchmark of analytics (issue 15). Run: `.venv/bin/python bench/analytics.py [--quick]`.

Uses its own embedded PostgreSQL + Redis under `.data/bench` (or DATABASE_URL/REDIS_URL)
and a tenant `benchan` with one published page, and measures:

1. a year of raw counts: 10,000,000 per-minute rows (`analytics_minutecount`, 19 rows a
   minute: 15 pages, 2 bots, a referrer, a search) bulk-generated in SQL (generate_series,
   INSERT ... SELECT, a month per statement, with progress), rolled up into hours and days
   the way the roll-up does (`--quick`: 1,000,000 rows over ~5 weeks);
2. the dashboard's queries through the roll-ups (analytics.selectors.dashboard) for 7, 30
   and 90 days: p50 and p95 (target p50 < 50 ms);
3. the roll-up of one busy hour: 60 minute hashes of 1,000 counters each (60,000 Redis
   counters, what a site with 1,000 pages viewed every minute writes), claimed, added to
   the minute rows and rolled into the hour and the day (target < 1 s);
4. the cached page through the WSGI application the servers load (config.wsgi: a hit is
   replayed in front of Django, content.replay) in this process, counting on and off in
   alternating blocks of 200 requests: the per-request
   medians, and `view_counted` alone (the least noisy figure on a loaded machine);
5. the cached page's req/s with counting on and off in the same run: two granian servers
   (2 workers each) on the same database, ANALYTICS_ENABLED=1 and =0, wrk -t2 -c8 rounds
   alternating between them (order swapped every round), median of the per-round ratios
   (target: on is at most 5 % slower). The views the "on" server counted are rolled up
   and compared with the requests wrk made.

Prints medians and the load average (the machine is shared); writes docs/bench/analytics.json.
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

from _common import Server, load_average, results_write, services_stop, wrk, wrk_ensure

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATA_DIR", str(ROOT / ".data" / "bench"))
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("ANALYTICS_MINUTE_DAYS", "400")  # keep the generated year of minute rows

TENANT = ("benchan", "Bench Analytics", "benchan.localhost")
PORTS = range(8150, 8170)
ROWS_PER_MINUTE = 19
PAGES = 500
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"

# One month of minutes: 15 page rows, 2 bot rows, a referrer and a search per minute.
_GENERATE = f"""
INSERT INTO analytics_minutecount (minute, series, key, count)
SELECT m.minute,
       CASE WHEN k <= 15 THEN 'v' WHEN k <= 17 THEN 'b' WHEN k = 18 THEN 'r' ELSE 's' END,
       CASE WHEN k <= 17 THEN 'page-' || ((k + m.n) %% {PAGES})
            WHEN k = 18 THEN 'ref' || (m.n %% 40) || '.example'
            ELSE 'query ' || (m.n %% 300) END,
       1 + ((m.n * 7 + k * 13) %% 20)
FROM (SELECT minute, (extract(epoch FROM minute) / 60)::bigint AS n
      FROM generate_series(%(start)s::timestamptz, %(end)s::timestamptz - interval '1 minute', interval '1 minute')
      AS minute) AS m,
     generate_series(1, {ROWS_PER_MINUTE}) AS k
"""

_UNIQUES_BULK = """
INSERT INTO analytics_daycount (day, series, key, count, value)
SELECT day::date, 'u', '', 800 + (extract(doy FROM day)::int * 37) %% 400, 0
FROM generate_series(%(start)s::date, %(end)s::date, interval '1 day') AS day
ON CONFLICT (day, series, key) DO UPDATE SET count = EXCLUDED.count
"""


def setup():
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
    name, display, host = TENANT
    tenant = Tenant.objects.filter(schema_name=name).first() or tenant_services.tenant_provision(
        name=name, display_name=display, domains=[host]
    )
    with tenant_context(tenant):
        if not Page.objects.filter(slug="bench").exists():
            seed = bench_page()
            page = services.page_create(user=None, slug="bench", title=seed["title"], blocks=seed["blocks"])
            services.page_publish(page=page, user=None)
    return tenant


def _months(start: dt.datetime, end: dt.datetime):
    cursor = start
    while cursor < end:
        nxt = min(cursor + dt.timedelta(days=30), end)
        yield cursor, nxt
        cursor = nxt


def generate(tenant, rows: int) -> dict:
    """`rows` raw minute rows ending at the current hour, rolled up; skipped when there."""
    from django.db import connection
    from django_tenants.utils import tenant_context

    from analytics.models import MinuteCount
    from analytics.services import rollup_days, rollup_span

    minutes = rows // ROWS_PER_MINUTE
    end = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    start = end - dt.timedelta(minutes=minutes)
    with tenant_context(tenant):
        existing = MinuteCount.objects.count()
        if existing >= rows * 0.99:
            print(f"  {existing:,} raw rows already there (delete the tenant's rows to regenerate)")
            return {"rows": existing, "seconds": None, "reused": True}
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE analytics_minutecount, analytics_hourcount, analytics_daycount")
        started = time.monotonic()
        spans = list(_months(start, end))
        with connection.cursor() as cursor:
            for i, (a, b) in enumerate(spans, 1):
                cursor.execute(_GENERATE, {"start": a, "end": b})
                took = time.monotonic() - started
                print(f"  raw rows [{i}/{len(spans)}] up to {b:%Y-%m-%d} ({took:.0f} s)", flush=True)
            for i, (a, b) in enumerate(spans, 1):
                rollup_span(start=a, end=b)
                print(f"  hours [{i}/{len(spans)}] ({time.monotonic() - started:.0f} s)", flush=True)
            cursor.execute(_UNIQUES_BULK, {"start": start.date(), "end": end.date()})
        days = sorted({(start + dt.timedelta(days=n)).date() for n in range((end - start).days + 2)})
        for i in range(0, len(days), 30):
            rollup_days(days=days[i : i + 30])
            print(f"  days [{min(i + 30, len(days))}/{len(days)}] ({time.monotonic() - started:.0f} s)", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE analytics_minutecount, analytics_hourcount, analytics_daycount")
        total = MinuteCount.objects.count()
    seconds = time.monotonic() - started
    print(f"  {total:,} raw rows from {start:%Y-%m-%d} to {end:%Y-%m-%d}, rolled up, in {seconds:.0f} s")
    return {"rows": total, "seconds": round(seconds, 1), "reused": False, "first_day": str(start.date())}


def dashboard_queries(tenant, repeats: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import tenant_context

    from analytics import selectors
    from analytics.models import DayCount

    out = {}
    with tenant_context(tenant):
        out["day_rows"] = DayCount.objects.count()
        for days in selectors.PERIODS:
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                with CaptureQueriesContext(connection) as queries:
                    selectors.dashboard(days=days)
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            out[f"{days}d"] = {
                "p50_ms": round(statistics.median(times), 2),
                "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
                "queries": len(queries),
            }
            print(f"  {days:>2} days: p50 {out[f'{days}d']['p50_ms']:.1f} ms, p95 {out[f'{days}d']['p95_ms']:.1f} ms,"
                  f" {len(queries)} queries (whole dashboard)")  # fmt: skip
    return out


def busy_hour(tenant, repeats: int, counters: int = 1000) -> dict:
    """Write 60 minute hashes of `counters` fields, as the web processes' flushes would,
    then time one roll-up (claim, add the minute rows, recompute the hour and the day)."""
    from django.core.cache import cache
    from django_tenants.utils import tenant_context

    from analytics import counting, services

    times, rows = [], 0
    with tenant_context(tenant):
        client = counting._client()
        for r in range(repeats):
            hour = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=r + 2)
            first_minute = int(hour.timestamp() // 60)
            pipe = client.pipeline(transaction=False)
            for minute in range(first_minute, first_minute + 60):
                key = cache.make_key(counting.minute_key(minute))
                pipe.hset(key, mapping={f"v|busy-{i}": 1 + (i + minute) % 9 for i in range(counters)})
                pipe.sadd(cache.make_key(counting.minutes_key()), key)
            pipe.execute()
            started = time.perf_counter()
            done = services.analytics_rollup(events_days=1)
            times.append(time.perf_counter() - started)
            rows = done["minute_rows"]
            print(f"  busy hour {r + 1}/{repeats}: {rows:,} minute rows in {times[-1] * 1000:.0f} ms", flush=True)
    return {"counters": 60 * counters, "minute_rows": rows, "p50_s": round(statistics.median(times), 3)}


def in_process(blocks: int, per_block: int = 200) -> dict:
    """The cached page through Django's whole stack in this process (the test client),
    counting on and off in alternating blocks: per-request medians, and view_counted alone.
    Less noisy than HTTP on a loaded machine: what counting adds to a request's CPU time."""
    import timeit

    from django.test import RequestFactory, override_settings

    from analytics import counting
    from config.wsgi import application

    environ = (
        RequestFactory()
        .get("/bench/", HTTP_HOST=TENANT[2], HTTP_USER_AGENT=BROWSER, HTTP_REFERER="https://news.example/story")
        .environ
    )

    def get() -> str:
        answer = []
        body = b"".join(application(dict(environ), lambda status, headers, exc_info=None: answer.append(status)))
        assert body
        return answer[0]

    for _ in range(3):
        assert get().startswith("200")  # rendered, cached, then replayed in front of Django
    times = {True: [], False: []}
    for b in range(blocks):
        for enabled in (True, False) if b % 2 == 0 else (False, True):
            with override_settings(ANALYTICS_ENABLED=enabled):
                for _ in range(per_block):
                    started = time.perf_counter()
                    get()
                    times[enabled].append((time.perf_counter() - started) * 1e6)
    counting.flush()
    on, off = statistics.median(times[True]), statistics.median(times[False])
    call = {"slug": "bench", "user_agent": BROWSER, "referrer": "https://news.example/story"}
    call |= {"client_ip": "198.51.100.7", "host": TENANT[2], "schema": TENANT[0]}
    n = 20000
    alone = min(timeit.repeat(lambda: counting.view_counted(**call), number=n, repeat=3)) / n * 1e6
    counting.flush()
    print(f"  cached hit p50: on {on:.0f} us, off {off:.0f} us, on/off time {on / off:.3f}")
    print(f"  view_counted alone: {alone:.1f} us a view")
    return {
        "on_us": round(on, 1),
        "off_us": round(off, 1),
        "ratio_time_on_off": round(on / off, 4),
        "view_counted_us": round(alone, 2),
    }


def settings_flush_seconds() -> float:
    from django.conf import settings

    return settings.ANALYTICS_FLUSH_SECONDS


def _server(enabled: bool) -> Server:
    from django.conf import settings

    env = {
        "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": settings.REDIS_URL,
        "DATA_DIR": str(settings.DATA_DIR),
        "ANALYTICS_ENABLED": "1" if enabled else "0",
    }
    return Server("granian", env=env, ports=PORTS)


def throughput(tenant, repeats: int, seconds: int) -> dict:
    from django_tenants.utils import tenant_context

    from analytics import services
    from analytics.models import DayCount

    with tenant_context(tenant):
        services.analytics_rollup(events_days=1)
        today = dt.datetime.now(dt.UTC).date()
        counted = DayCount.objects.filter(day=today, series="v", key="bench").values_list("count", flat=True)
        before = counted.first() or 0
    servers = {"on": _server(True), "off": _server(False)}
    headers = {"Host": TENANT[2], "User-Agent": BROWSER, "Referer": "https://news.example/story"}
    rounds, requests_on = [], 0
    try:
        for name, server in servers.items():  # warm: the page cached, each process its copy
            warm = wrk(server.url("/bench/"), headers=headers, seconds=2)
            requests_on += warm["requests"] if name == "on" else 0
        for r in range(repeats):
            order = ("on", "off") if r % 2 == 0 else ("off", "on")
            got = {}
            for name in order:
                got[name] = wrk(servers[name].url("/bench/"), headers=headers, seconds=seconds)
            requests_on += got["on"]["requests"]
            ratio = got["on"]["rps"] / got["off"]["rps"]
            rounds.append({"on_rps": got["on"]["rps"], "off_rps": got["off"]["rps"], "ratio": round(ratio, 4)})
            print(f"  round {r + 1}/{repeats} ({'/'.join(order)}): on {got['on']['rps']:.0f} req/s,"
                  f" off {got['off']['rps']:.0f} req/s, on/off {ratio:.3f} ({load_average()})", flush=True)  # fmt: skip
        time.sleep(3 * settings_flush_seconds())  # the workers' last flush
    finally:
        for server in servers.values():
            server.stop()
    with tenant_context(tenant):
        services.analytics_rollup(events_days=1)
        after = counted.first() or 0
    counted = after - before
    ratio = statistics.median(r["ratio"] for r in rounds)
    print(f"  median on/off {ratio:.3f} (cost {100 * (1 - ratio):.1f} %, target <= 5 %)")
    print(f"  views counted by the 'on' server: {counted:,}; wrk's requests to it: {requests_on:,}")
    return {
        "rounds": rounds,
        "median_ratio_on_off": round(ratio, 4),
        "median_on_rps": statistics.median(r["on_rps"] for r in rounds),
        "median_off_rps": statistics.median(r["off_rps"] for r in rounds),
        "views_counted": counted,
        "requests_measured_on": requests_on,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1,000,000 rows, fewer and shorter runs (not written)")
    parser.add_argument("--rows", type=int, default=10_000_000, help="raw minute rows to generate")
    parser.add_argument("--rounds", type=int, default=8, help="on/off throughput rounds")
    parser.add_argument("--seconds", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--keep-services", action="store_true", help="leave the embedded servers running")
    args = parser.parse_args()
    rows = 1_000_000 if args.quick else args.rows
    rounds, seconds = (2, 3) if args.quick else (args.rounds, args.seconds)

    wrk_ensure()
    tenant = setup()
    from django.db import connections

    try:
        print(f"== {rows:,} raw rows over {rows // ROWS_PER_MINUTE // 1440} days ({load_average()})", flush=True)
        data = generate(tenant, rows)
        print(f"== dashboard queries through the roll-ups ({load_average()})", flush=True)
        queries = dashboard_queries(tenant, 30 if args.quick else 60)
        print(f"== roll-up of one busy hour ({load_average()})", flush=True)
        hour = busy_hour(tenant, 3 if args.quick else 5)
        print(f"  p50 {hour['p50_s'] * 1000:.0f} ms for {hour['counters']:,} counters (target < 1 s)")
        print(f"== cached page in process, counting on vs off, alternating blocks ({load_average()})", flush=True)
        local = in_process(4 if args.quick else 20)
        connections.close_all()
        print(f"== cached page, counting on vs off, granian 2 workers, wrk -t2 -c8 -d{seconds}s x{rounds}", flush=True)
        http = throughput(tenant, rounds, seconds)
        print(f"== done ({load_average()})")
        if not args.quick:
            figures = {"data": data, "dashboard": queries, "busy_hour": hour, "in_process": local, "cached_page": http}
            results_write("analytics", figures)
    finally:
        connections.close_all()
        services_stop(keep=args.keep_services)
    return 0


if __name__ == "__main__":
    sys.exit(main())
