"""`bin/run`: the whole product on one machine, from nothing.

Starts (or reuses) the embedded PostgreSQL and Redis unless DATABASE_URL / REDIS_URL
are set, migrates every schema, provisions the demo, then runs the web server, a
Celery worker and Celery beat until Ctrl-C, which stops everything it started.
"""

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Each app that has demo data adds its management command here; each is idempotent.
DEMO_COMMANDS = ["tenant_demo", "content_demo", "events_demo"]


def _stop_on_signal(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    # Ctrl-C, `kill`, a closed terminal or a process manager's stop all take the same way
    # out, through the `finally` below: children first, then the embedded servers. Without
    # this, SIGTERM ended this process alone and orphaned PostgreSQL, Redis, gunicorn and
    # Celery; and a shell that starts `bin/run &` hands it SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _stop_on_signal)
    signal.signal(signal.SIGHUP, _stop_on_signal)
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
    from config import services

    data_dir = Path(os.environ.get("DATA_DIR", ROOT / ".data")).resolve()
    started = []
    if not os.environ.get("DATABASE_URL"):
        print(f"==> PostgreSQL 18 + pgvector (embedded, {data_dir / 'pg'})", flush=True)
        os.environ["DATABASE_URL"] = services.postgres_url(data_dir)
        started.append(("postgres", lambda: services.postgres_stop(data_dir)))
    if not os.environ.get("REDIS_URL"):
        print(f"==> Redis (embedded, {data_dir / 'redis'})", flush=True)
        os.environ["REDIS_URL"] = services.redis_url(data_dir)
        started.append(("redis", lambda: services.redis_stop(data_dir)))

    children: list[subprocess.Popen] = []
    try:
        import django
        from django.core.management import call_command, get_commands

        django.setup()
        print("==> migrating every schema", flush=True)
        call_command("migrate_schemas", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        print("==> demo data", flush=True)
        available = get_commands()
        for command in DEMO_COMMANDS:
            if command in available and not args.no_demo:
                call_command(command)
        if args.setup_only:
            return 0

        from django.db import connections

        connections.close_all()
        children.append(_web(args.port, args.workers))
        if not args.no_worker:
            children.append(_celery("worker", "--concurrency=2", "--loglevel=INFO"))
            children.append(_celery("beat", "--loglevel=INFO", f"--schedule={data_dir / 'celerybeat-schedule'}"))
        _banner(args.port, demo=not args.no_demo)
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        print("==> a child process exited; stopping", flush=True)
        return 1
    except KeyboardInterrupt:
        print("\n==> stopping", flush=True)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second signal must not cut the cleanup short
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        return 0
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        for name, stop in reversed(started):
            print(f"==> stopping {name}", flush=True)
            stop()


def _web(port: int, workers: int) -> subprocess.Popen:
    server = os.environ.get("WEB_SERVER", "gunicorn")
    # Loopback by default; a container sets BIND_HOST=0.0.0.0.
    host = os.environ.get("BIND_HOST", "127.0.0.1")
    if server == "granian":
        cmd = ["granian", "--interface", "wsgi", "--host", host, "--port", str(port)]
        cmd += ["--workers", str(workers), "config.wsgi:application"]
    else:
        cmd = ["gunicorn", "config.wsgi:application", "--bind", f"{host}:{port}", "--workers", str(workers)]
        cmd += ["--access-logfile", "-", "--graceful-timeout", "10"]
    # This interpreter's own copy, like Celery below: no reliance on PATH holding .venv/bin.
    return subprocess.Popen([sys.executable, "-m", *cmd], cwd=ROOT)


def _celery(*argv: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", *argv], cwd=ROOT)


def _banner(port: int, *, demo: bool) -> None:
    from django.conf import settings

    from tenants.management.commands.tenant_demo import DEMO_TENANTS, demo_logins

    base = settings.BASE_DOMAIN
    lines = ["", "=" * 72, "  The platform is running. Ctrl-C stops everything.", ""]
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
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
