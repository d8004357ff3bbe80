"""Benchmark of the API (issue 5). Run: `.venv/bin/python bench/api.py [--quick]`.

Uses its own embedded PostgreSQL + Redis under `.data/bench-api` (or DATABASE_URL/REDIS_URL),
provisions one tenant with the 20-block seed page (../shared/bench/page20.json), issues a JWT
in process and serves the app with gunicorn (2 sync workers, own session via setsid) on a port
in 8200-8299. With `wrk -t2 -c8 --latency` it measures, interleaved and repeated:

- `GET /api/pages/bench` with `Authorization: Bearer <JWT>` (the editor's read: JWT check,
  user row, page row, rate-limit counter in Redis, pydantic serialisation of 20 blocks);
- `GET /api/published/pages/bench` with `Authorization: Api-Key <key>` (the headless read);
- the hello-world view of the content app (`/_bench/hello`, CONTENT_BENCH_HELLO=1), the
  baseline for the ratio.

Rate limits are raised for the run (API_RATE_LIMIT_*), or every request past the first
minute's allowance would be a 429. Prints medians, p99 and the load average (shared machine).
Needs Debian's `wrk` (installed when missing, as root).
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
os.environ.setdefault("DATA_DIR", str(ROOT / ".data" / "bench-api"))
os.environ.setdefault("JWT_ACCESS_MINUTES", "120")  # the token must outlive the run
os.environ.setdefault("HTTPS", "0")

SEED = ROOT.parent / "shared" / "bench" / "page20.json"
TENANT = ("benchapi", "Bench API", "benchapi.localhost")
ADMIN = ("bench@benchapi.example", "bench-api-pass-4471")
PORTS = range(8200, 8300)
UNLIMITED = "1000000000/m"


def _port() -> int:
    for port in PORTS:
        with closing(socket.socket()) as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 8200-8299")


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def setup() -> dict:
    """Tenant, published seed page, a JWT and an API key; returns the two credentials."""
    import django

    django.setup()
    from django.core.management import call_command
    from django_tenants.utils import tenant_context

    from api import services as api_services
    from content import services
    from content.models import Page
    from tenants import services as tenant_services
    from tenants.models import Tenant

    call_command("migrate_schemas", interactive=False, verbosity=0)
    name, display, host = TENANT
    tenant = Tenant.objects.filter(schema_name=name).first() or tenant_services.tenant_provision(
        name=name, display_name=display, domains=[host], admin_email=ADMIN[0], admin_password=ADMIN[1]
    )
    seed = json.loads(SEED.read_text())
    with tenant_context(tenant):
        if not Page.objects.filter(slug="bench").exists():
            page = services.page_create(
                user=None, slug="bench", title=seed["title"], blocks=seed["blocks"], nav=seed["nav"]
            )
            services.page_publish(page=page, user=None)
        access = api_services.token_obtain(username=ADMIN[0], password=ADMIN[1])["access"]
        _key, plain = api_services.api_key_create(name="bench", scopes=["pages:read"])
    return {"jwt": f"Bearer {access}", "key": f"Api-Key {plain}"}


class Server:
    """gunicorn, 2 sync workers, on the bench database, in its own session (setsid)."""

    def __init__(self):
        from django.conf import settings

        self.port = _port()
        env = dict(os.environ)
        env.update(
            DATABASE_URL=settings.DATABASE_URL,
            REDIS_URL=settings.REDIS_URL,
            DATA_DIR=str(settings.DATA_DIR),
            DEBUG="0",
            LOG_LEVEL="WARNING",
            CONTENT_BENCH_HELLO="1",
            API_RATE_LIMIT_ANON=UNLIMITED,
            API_RATE_LIMIT_USER=UNLIMITED,
            API_RATE_LIMIT_KEY=UNLIMITED,
        )
        cmd = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{self.port}"]
        cmd += ["--workers", "2", "--log-level", "warning"]
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self._wait()

    def _wait(self) -> None:
        import urllib.request

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1)  # noqa: S310 (our server)
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


def _ms(match) -> float:
    return float(match.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[match.group(2)]


def wrk(url: str, *, authorization: str | None = None, seconds: int = 8) -> dict:
    cmd = ["wrk", "-t2", "-c8", f"-d{seconds}s", "--latency", "-H", f"Host: {TENANT[2]}"]
    if authorization:
        cmd += ["-H", f"Authorization: {authorization}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"{url} answered {non2xx.group(1)} errors:\n{out}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": _ms(re.search(r"50%\s+([\d.]+)(us|ms|s)", out)),
        "p99_ms": _ms(re.search(r"99%\s+([\d.]+)(us|ms|s)", out)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer and shorter runs")
    parser.add_argument("--keep-services", action="store_true", help="leave the embedded servers running")
    args = parser.parse_args()
    repeats, seconds = (2, 4) if args.quick else (5, 8)

    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True)
    credentials = setup()
    from django.conf import settings
    from django.db import connections

    from config import services

    connections.close_all()
    targets = {
        "hello": ("/_bench/hello", None),
        "pages_jwt": ("/api/pages/bench", credentials["jwt"]),
        "published_key": ("/api/published/pages/bench", credentials["key"]),
    }
    server = Server()
    try:
        for path, auth in targets.values():  # warm: workers connected, code paths loaded
            wrk(server.url(path), authorization=auth, seconds=2)
        print(f"== gunicorn, 2 workers, wrk -t2 -c8 -d{seconds}s x{repeats}, interleaved ({_load()})", flush=True)
        runs = {name: [] for name in targets}
        for _ in range(repeats):
            for name, (path, auth) in targets.items():
                runs[name].append(wrk(server.url(path), authorization=auth, seconds=seconds))
        hello_rps = statistics.median(r["rps"] for r in runs["hello"])
        for name, (path, _auth) in targets.items():
            rps = statistics.median(r["rps"] for r in runs[name])
            p99 = statistics.median(r["p99_ms"] for r in runs[name])
            p50 = statistics.median(r["p50_ms"] for r in runs[name])
            print(
                f"  {path:32s} {rps:8,.0f} req/s  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  "
                f"ratio to hello {rps / hello_rps:.2f}  runs {[round(r['rps']) for r in runs[name]]}"
            )
        print(f"== done ({_load()})")
    finally:
        server.stop()
        if not args.keep_services and not os.environ.get("DATABASE_URL"):
            services.redis_stop(settings.DATA_DIR)
            services.postgres_stop(settings.DATA_DIR)
    return 0


if __name__ == "__main__":
    sys.exit(main())
