"""`bin/run`: the whole product on one machine, from nothing.

Takes the data dir's lock (one bin/run per data dir, `config.runlock`), starts the embedded
PostgreSQL and Redis as its own children unless DATABASE_URL / REDIS_URL are set, migrates
every schema, provisions the demo, then runs the web server, a Celery worker and Celery
beat under a supervisor (`config.supervisor`) that restarts whichever exits unexpectedly.
The banner with the URLs comes once the web server answers and /readyz is ok. Ctrl-C (or
SIGTERM, SIGHUP) stops everything it started, the database last, and only then releases the
lock, so a `bin/run` started right after waits for this one instead of racing it.
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import closing
from pathlib import Path

from config import runlock, services, webserver
from config.supervisor import Service, ServiceFailed, Supervisor, say

ROOT = Path(__file__).resolve().parent.parent

# Each app that has demo data adds its management command here; each is idempotent.
DEMO_COMMANDS = ["tenant_demo", "content_demo", "events_demo"]
# /readyz answers from whichever web worker accepts; this many answers in a row, each on a
# new connection, make it likely every worker has been heard (and has its search model).
READY_ANSWERS_PER_WORKER = 2
READY_WARNING_SECONDS = 120
PORT_IN_USE = "port {port} on {host} is already in use (another program?); choose one with --port N"

_lock: runlock.RunLock | None = None


def _stop_on_signal(signum, frame):
    # First word to the world, then the way out: a bin/run started a moment later must read
    # "stopping" (and wait), never "serving" (and give up).
    if _lock is not None:
        _lock.publish("stopping")
    raise KeyboardInterrupt


def main() -> int:
    global _lock
    # Ctrl-C, `kill`, a closed terminal or a process manager's stop all take the same way
    # out, through the `finally` below. A shell that starts `bin/run &` hands it SIGINT
    # ignored: setting the handler takes it back.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop_on_signal)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
    parser.add_argument("--no-worker", action="store_true", help="do not start Celery")
    parser.add_argument("--setup-only", action="store_true", help="prepare everything, serve nothing")
    parser.add_argument("--no-demo", action="store_true", help="do not create or update the demo tenants")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # The local demo is served over plain http; deployments keep HTTPS on.
    os.environ.setdefault("HTTPS", "0")
    # Children's output comes through a pipe: line by line, not in 8 KB blocks.
    os.environ["PYTHONUNBUFFERED"] = "1"
    server = os.environ.get("WEB_SERVER", "granian")
    if server not in webserver.WEB_SERVERS:
        say(webserver.WEB_SERVER_UNKNOWN.format(name=server, choices=", ".join(webserver.WEB_SERVERS)))
        return 2
    host = os.environ.get("BIND_HOST", "127.0.0.1")  # a container sets BIND_HOST=0.0.0.0
    probe_host = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104 - a comparison
    base = os.environ.get("BASE_DOMAIN", "localhost")

    data_dir = Path(os.environ.get("DATA_DIR", ROOT / ".data")).resolve()
    os.environ["DATA_DIR"] = str(data_dir)  # the children's secret key and beat schedule live there
    _lock = runlock.RunLock(data_dir, url=f"http://{base}:{args.port}/")
    try:
        _lock.acquire(say=say)
    except runlock.RunLockBusy as exc:
        say(f"==> {exc}")
        return 1
    except KeyboardInterrupt:
        return 130
    supervisor = Supervisor()
    try:
        if not args.setup_only and not _port_free(probe_host, args.port):
            say(f"==> {PORT_IN_USE.format(port=args.port, host=probe_host)}")
            return 1
        if not os.environ.get("DATABASE_URL"):
            say(f"==> PostgreSQL 18 + pgvector (embedded, {data_dir / 'pg'})")
            supervisor.start(
                Service(
                    "postgres",
                    lambda: services.postgres_spawn(data_dir),
                    tier=0,
                    stop_signal=signal.SIGINT,  # PostgreSQL's fast shutdown
                    stop_timeout=30,
                    log_file=data_dir / "pg" / "log",
                )
            )
            os.environ["DATABASE_URL"] = services.postgres_child_url(data_dir)
        if not os.environ.get("REDIS_URL"):
            say(f"==> Redis (embedded, {data_dir / 'redis'})")
            supervisor.start(
                Service(
                    "redis",
                    lambda: services.redis_spawn(data_dir),
                    tier=0,
                    stop_timeout=30,
                    log_file=data_dir / "redis" / "redis.log",
                )
            )
            os.environ["REDIS_URL"] = f"unix://{data_dir / 'redis' / 'redis.sock'}"

        _setup(demo=not args.no_demo)
        if args.setup_only:
            return 0

        from config.settings.env import env_bool  # not before: importing settings starts servers

        access_log = env_bool("ACCESS_LOG", False)
        web = webserver.web_command(
            server=server, host=host, port=args.port, workers=args.workers, access_log=access_log
        )
        supervisor.start(Service("web", lambda: _child(web), tier=1, stop_timeout=webserver.GRACEFUL_SECONDS + 5))
        if not args.no_worker:
            worker = _celery("worker", "--concurrency=2", "--loglevel=INFO")
            beat = _celery("beat", "--loglevel=INFO", f"--schedule={data_dir / 'celerybeat-schedule'}")
            supervisor.start(Service("worker", lambda: _child(worker), tier=1, stop_timeout=30))
            supervisor.start(Service("beat", lambda: _child(beat), tier=1))
        say(f"==> waiting for http://{probe_host}:{args.port}/readyz")

        started, warned, answers = time.monotonic(), False, 0
        needed = READY_ANSWERS_PER_WORKER * max(args.workers, 1)
        while True:
            supervisor.check()
            if answers < needed:
                ok, body = _readyz(probe_host, args.port)
                answers = answers + 1 if ok else 0
                if answers == needed:
                    _banner(args.port, demo=not args.no_demo, server=server)
                    _lock.publish("serving")
                elif not warned and time.monotonic() - started > READY_WARNING_SECONDS:
                    say(f"==> not ready after {READY_WARNING_SECONDS} s: /readyz says {body}")
                    warned = True
                time.sleep(0.1 if ok else 0.25)
            else:
                time.sleep(0.5)
    except KeyboardInterrupt:
        say("\n==> stopping")
        return 0
    except (ServiceFailed, services.ServiceStartFailed) as exc:
        say(f"==> {exc}")
        return 1
    finally:
        _lock.publish("stopping")
        # A second signal must not cut the cleanup short.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        try:
            supervisor.stop_all()
        finally:
            _lock.release()
        say("==> stopped")


def _setup(*, demo: bool) -> None:
    import django
    from django.core.management import call_command, get_commands
    from django.db import connections

    django.setup()
    say("==> migrating every schema")
    call_command("migrate_schemas", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    # Published pages rendered before this release's block templates (content.rendering).
    call_command("content_render")
    if demo:
        say("==> demo data")
        available = get_commands()
        for command in DEMO_COMMANDS:
            if command in available:
                call_command(command)
    # The search model's ONNX file, exported now (once per data dir, ≈20 s) rather than by
    # the first web worker: the workers then only load it (≈1 s) before /readyz is ok.
    from django.conf import settings

    if settings.SEARCH_EMBEDDER == "local":
        from search.embedders import onnx_model_export, onnx_model_path

        if not onnx_model_path().exists():
            say("==> exporting the search model to ONNX (once per data dir)")
            onnx_model_export(onnx_model_path())
    # The children open their own; this process keeps none open while it supervises.
    connections.close_all()


def _port_free(host: str, port: int) -> bool:
    with closing(socket.socket()) as sock:
        return sock.connect_ex((host, port)) != 0


def _child(argv: list[str]) -> subprocess.Popen:
    """A child in its own process group (a terminal's Ctrl-C reaches bin/run alone, which
    stops the children in order), its output piped to the supervisor."""
    return subprocess.Popen(
        argv, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, process_group=0
    )


def _celery(*argv: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "config", *argv]


def _readyz(host: str, port: int) -> tuple[bool, str]:
    """One /readyz on a new connection: (ok, body)."""
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/readyz", timeout=5) as response:  # noqa: S310 (ours)
            body = response.read().decode()
            return json.loads(body).get("status") == "ok", body
    except urllib.error.HTTPError as exc:
        return False, exc.read().decode(errors="replace")
    except (OSError, ValueError) as exc:
        return False, str(exc)


def _banner(port: int, *, demo: bool, server: str) -> None:
    from django.conf import settings

    from tenants.management.commands.tenant_demo import DEMO_TENANTS, demo_logins

    base = settings.BASE_DOMAIN
    lines = ["", "=" * 72, f"  The platform is running ({server}). Ctrl-C stops everything.", ""]
    if demo:
        for name, display in DEMO_TENANTS:
            lines.append(
                f"  {display:<16} http://{name}.{base}:{port}/        admin: http://{name}.{base}:{port}/admin/"
            )
        lines.append("")
        for name, email, password in demo_logins():
            lines.append(f"  {name} editor login:   {email} / {password}")
        lines.append(f"  platform admin:       http://{base}:{port}/admin/   admin / {settings.DEMO_ADMIN_PASSWORD}")
    else:
        lines.append(f"  platform admin:       http://{base}:{port}/admin/")
    lines.append(f"  health:               http://{base}:{port}/healthz  /readyz")
    lines += ["=" * 72, ""]
    say("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
