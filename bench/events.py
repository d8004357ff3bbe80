"""Events benchmarks (issue 7). Run: `.venv/bin/python bench/events.py [--repeats 3]`.

1. Webhook ingest on gunicorn (2 sync workers, then gthread) and granian (2 workers, the
   default server): verify the GitHub HMAC over the raw body, INSERT the delivery, hand
   the processing task to the process's sender thread (which publishes it to Redis). wrk drives it with a
   Lua script that gives every request its own X-GitHub-Delivery id (GitHub does not
   sign that header, so one pre-signed body serves every request and each one is a new
   row, not the duplicate path). No Celery worker runs: "enqueue" is the publish.
2. Relay on one process (= one worker): validate + normalise + SHA-256 the PII of
   20,000 events, store them, then deliver them in batches of 1,000 to a local sink
   (a real HTTP server playing Meta).

Uses the embedded services under .data/ (or DATA_DIR), migrated and seeded like
`bin/run --setup-only`. Prints medians over --repeats runs.
"""

import argparse
import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from _common import Server, load_average, results_write, wrk, wrk_ensure

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("HTTPS", "0")

WEB_PORTS, SINK_PORT = range(8420, 8440), 8441
SECRET = "bench-github-secret"  # noqa: S105
TENANT, HOST = "acme", "acme.localhost"

LUA = """
local counter = 0
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  prefix = "d" .. os.time() .. "-" .. tid .. "-"
end
request = function()
  counter = counter + 1
  wrk.headers["X-GitHub-Delivery"] = prefix .. counter
  return wrk.format("POST", "/api/webhooks/bench-github/")
end
"""


def setup() -> None:
    subprocess.run([sys.executable, "-m", "config.run", "--setup-only"], cwd=ROOT, check=True, capture_output=True)
    import django

    django.setup()


def webhook_target(tenant: str = TENANT, host: str = HOST) -> Path:
    """The endpoint `bench-github` in `tenant` and a wrk Lua script posting to it on `host`
    (bench/compare.py measures the same ingest beside the seed stack)."""
    from django_tenants.utils import schema_context

    from events.models import Scheme, WebhookEndpoint

    with schema_context(tenant):
        WebhookEndpoint.objects.update_or_create(
            slug="bench-github", defaults={"name": "bench", "scheme": Scheme.GITHUB, "secrets": SECRET}
        )
    body = json.dumps({"zen": "Keep it logically awesome.", "hook_id": 1, "repository": {"id": 7, "name": "x"}})
    signature = "sha256=" + hmac.new(SECRET.encode(), body.encode(), hashlib.sha256).hexdigest()
    script = LUA + "\n".join(
        [
            'wrk.method = "POST"',
            f"wrk.body = {json.dumps(body)}",
            'wrk.headers["Content-Type"] = "application/json"',
            f'wrk.headers["Host"] = "{host}"',
            f'wrk.headers["X-Hub-Signature-256"] = "{signature}"',
            'wrk.headers["X-GitHub-Event"] = "ping"',
        ]
    )
    lua = Path(tempfile.mkdtemp()) / "webhook.lua"
    lua.write_text(script)
    return lua


def webhook_cleanup(tenant: str = TENANT) -> None:
    """Drop the benchmark's deliveries and the tasks nobody consumed (no worker runs)."""
    from django_tenants.utils import schema_context

    from config.celery import app
    from events.models import WebhookEvent

    with schema_context(tenant):
        WebhookEvent.objects.filter(endpoint__slug="bench-github").delete()
    app.control.purge()


def bench_ingest(repeats: int, seconds: int, threads: int, kind: str = "gunicorn") -> dict:
    from django.conf import settings
    from django_tenants.utils import schema_context

    from events.models import WebhookEvent

    lua = webhook_target()
    env = {"DATABASE_URL": _db_url(), "REDIS_URL": settings.REDIS_URL}
    web = Server(kind, env=env, ports=WEB_PORTS, threads=threads)
    results = []
    try:
        wrk(web.url("/"), seconds=2, script=lua)  # warm: workers connected, code paths loaded
        for _ in range(repeats):
            with schema_context(TENANT):
                before = WebhookEvent.objects.count()
            run = wrk(web.url("/"), seconds=seconds, script=lua, errors_allowed=True)
            with schema_context(TENANT):
                run["stored"] = WebhookEvent.objects.count() - before
            run["healthz_rps"] = wrk(web.url("/healthz"), seconds=max(seconds // 2, 2))["rps"]
            results.append(run)
            print("  ingest run:", results[-1], flush=True)
    finally:
        web.stop()
        webhook_cleanup()
    return {
        "rps": statistics.median(r["rps"] for r in results),
        "p50_ms": statistics.median(r["p50_ms"] for r in results),
        "p99_ms": statistics.median(r["p99_ms"] for r in results),
        "stored_equals_requests": all(r["stored"] >= r["requests"] - 16 for r in results),
        "non_2xx": sum(r["non_2xx"] for r in results),
        "healthz_rps": statistics.median(r["healthz_rps"] for r in results),
    }


class _Sink(BaseHTTPRequestHandler):
    received = 0

    def log_message(self, *args):
        pass

    def do_POST(self):
        data = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Sink.received += len(data["data"])
        payload = json.dumps({"events_received": len(data["data"])}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def _raw_events(n: int, run: int) -> list[dict]:
    now = int(time.time()) - 30
    return [
        {
            "event_name": "Purchase",
            "event_id": f"bench-{run}-{i}-{now}",
            "event_time": now,
            "action_source": "website",
            "event_source_url": "https://acme.example/checkout",
            "user_data": {
                "em": f" Person.{i}@Example.com ",
                "ph": f"+1 (650) 555-{i % 10000:04d}",
                "fn": "Jane",
                "ln": "Doe",
                "ct": "Menlo Park",
                "st": "CA",
                "zp": "94025",
                "country": "US",
                "external_id": f"user-{i}",
                "client_ip_address": "203.0.113.7",
                "client_user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
                "fbp": f"fb.1.1558571054389.{i}",
            },
            "custom_data": {"currency": "usd", "value": 19.99},
        }
        for i in range(n)
    ]


def bench_relay(repeats: int, n: int) -> dict:
    from django.conf import settings
    from django_tenants.utils import schema_context

    from events import services
    from events.models import ConversionEvent, MetaDestination
    from events.validation import events_clean

    settings.EVENTS_TASK_QUEUE = "bench-unconsumed"  # this process is the worker
    sink = ThreadingHTTPServer(("127.0.0.1", SINK_PORT), _Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    results = []
    try:
        with schema_context(TENANT):
            ConversionEvent.objects.filter(event_id__startswith="bench-").delete()  # an aborted earlier run
            MetaDestination.objects.all().delete()
            MetaDestination.objects.create(
                pixel_id="999",
                access_token="sink",  # noqa: S106 (a local sink, not a credential)
                base_url=f"http://127.0.0.1:{SINK_PORT}",
            )
            for run in range(repeats):
                raw = _raw_events(n, run)
                _Sink.received = 0
                t0 = time.perf_counter()
                clean = []
                for start in range(0, n, 1000):
                    clean += events_clean(data=raw[start : start + 1000], max_batch=1000)
                t1 = time.perf_counter()
                for start in range(0, n, 1000):
                    services.conversion_events_create(events=clean[start : start + 1000])
                t2 = time.perf_counter()
                services.conversions_deliver()
                t3 = time.perf_counter()
                assert _Sink.received == n, _Sink.received
                assert ConversionEvent.objects.filter(status="sent", event_id__startswith=f"bench-{run}-").count() == n
                results.append(
                    {
                        "hash_per_s": n / (t1 - t0),
                        "store_per_s": n / (t2 - t1),
                        "deliver_per_s": n / (t3 - t2),
                        "end_to_end_per_s": n / (t3 - t0),
                    }
                )
                print("  relay run:", {k: round(v) for k, v in results[-1].items()}, flush=True)
            ConversionEvent.objects.filter(event_id__startswith="bench-").delete()
            MetaDestination.objects.all().delete()
    finally:
        sink.shutdown()
        from config.celery import app

        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge("bench-unconsumed")
    return {k: statistics.median(r[k] for r in results) for k in results[0]}


def _db_url() -> str:
    from django.conf import settings

    from config.services import postgres_socket_url

    db = settings.DATABASES["default"]
    return postgres_socket_url(db["HOST"], db["NAME"], db["USER"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--events", type=int, default=20000)
    args = parser.parse_args()
    setup()
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    wrk_ensure()
    print(f"== {load_average()} (before the runs, 2 cores shared)")
    figures = {}
    for server, threads, key in (
        ("gunicorn", 1, "ingest_threads_1"),
        ("gunicorn", 4, "ingest_threads_4"),
        ("granian", 1, "ingest_granian"),
    ):
        kind = "granian" if server == "granian" else "sync" if threads == 1 else f"gthread, {threads} threads each"
        print(f"webhook ingest ({server} 2 workers, {kind}; wrk -t2 -c8):")
        figures[key] = ingest = bench_ingest(args.repeats, args.seconds, threads, server)
        print(
            f"  median {ingest['rps']:.0f} req/s, p50 {ingest['p50_ms']:.1f} ms, p99 {ingest['p99_ms']:.1f} ms;"
            f" every request stored: {ingest['stored_equals_requests']}, non-2xx: {ingest['non_2xx']};"
            f" same server, /healthz (no DB, no tenant) for calibration: {ingest['healthz_rps']:.0f} req/s"
        )
    print(f"relay ({args.events} events, one process):")
    figures["relay"] = relay = bench_relay(args.repeats, args.events)
    print(
        f"  median validate+normalise+hash {relay['hash_per_s']:.0f}/s, store {relay['store_per_s']:.0f}/s,"
        f" deliver (batches of 1000 to a local sink) {relay['deliver_per_s']:.0f}/s,"
        f" end to end {relay['end_to_end_per_s']:.0f}/s"
    )
    print(f"== done ({load_average()})")
    results_write("events", figures)


if __name__ == "__main__":
    main()
