"""What the tests and the benchmarks start and wait for: free ports, a web server, a Celery
worker, and the checks that they answer (or, for a worker, that it has nothing left to do).

The tests' fixtures (conftest.py) and bench/_common.py both use these, so a server is
started, and waited for, one way. Nothing here runs in production.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from config.webserver import web_command

ROOT = Path(__file__).resolve().parent.parent

# The two tenants of the test session (conftest.py provisions them): schema, name, host,
# editor's login and password.
TENANT_A = ("alpha", "Alpha Bikes", "alpha.localhost", "editor@alpha.example", "alpha-editor-pass")
TENANT_B = ("beta", "Beta Bakery", "beta.localhost", "editor@beta.example", "beta-editor-pass")


def port_free(port: int) -> bool:
    """Nothing listens on this loopback port."""
    with closing(socket.socket()) as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def free_port(ports: range | None = None) -> int:
    """A loopback port nothing listens on: the first free one of `ports`, or, without
    `ports`, one the kernel picks (free now; nothing holds it for the caller)."""
    if ports is None:
        with closing(socket.socket()) as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]
    for port in ports:
        if port_free(port):
            return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1}")


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.1, *, what: str = "the condition"):
    """Poll `predicate` until it returns something true (returned); AssertionError naming
    `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def http_wait(
    url: str,
    proc: subprocess.Popen | None,
    *,
    seconds: float = 30,
    headers: dict | None = None,
    log: Path | None = None,
    what: str = "the web server",
) -> None:
    """Return once `url` answers with a 2xx; RuntimeError (with the end of `log`) if
    `proc` (when given) exits first or it takes longer than `seconds`."""
    deadline = time.monotonic() + seconds
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (our own server)
    while True:
        try:
            with urllib.request.urlopen(request, timeout=2):  # noqa: S310 (our own server)
                return
        except OSError:
            exited = proc is not None and proc.poll() is not None
            if exited or time.monotonic() > deadline:
                exited = f"exited with {proc.returncode}" if exited else f"not ready in {seconds:.0f} s"
                tail = log.read_text(errors="replace")[-6000:] if log is not None and log.exists() else ""
                raise RuntimeError(f"{what} did not answer {url} ({exited}):\n{tail}") from None
            time.sleep(0.2)


def process_stop(proc: subprocess.Popen, *, seconds: float = 20) -> None:
    """SIGTERM, then SIGKILL if it is still running after `seconds`."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- processes on the test database and Redis ---------------------------------------


def database_url() -> str:
    """The current database's URL, for processes the tests start (workers, servers)."""
    from django.conf import settings

    from config.services import postgres_socket_url

    db = settings.DATABASES["default"]
    return postgres_socket_url(db["HOST"], db["NAME"], db["USER"])


def service_env(**extra) -> dict:
    """The environment of a process started on this process's database and Redis."""
    from django.conf import settings

    env = dict(os.environ)
    env.update(DATABASE_URL=database_url(), REDIS_URL=settings.REDIS_URL, DATA_DIR=str(settings.DATA_DIR))
    env.pop("PYTEST_VERSION", None)
    env.update(extra)
    return env


def web_server_start(
    server: str, log: Path, *, ports: range | None = None, access_log: bool = False
) -> tuple[subprocess.Popen, int]:
    """Start `server` (one worker, `config.webserver`'s command line) on the test database
    and Redis on a free port (of `ports`, else one the kernel picks: other checkouts' test
    servers on this machine use fixed ranges, and one that took "our" port between the
    check and the bind would answer our /healthz), output to `log`; return once it answers
    /healthz. The search model is not warmed here (the warm start has its tests through
    bin/run)."""
    port = free_port(ports)
    argv = web_command(server=server, host="127.0.0.1", port=port, workers=1, access_log=access_log)
    with log.open("w") as out:
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            # Unbuffered, as bin/run runs it: a log line is in the file once it is written.
            env=service_env(HTTPS="0", SEARCH_WARM_START="0", PYTHONUNBUFFERED="1"),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        http_wait(f"http://127.0.0.1:{port}/healthz", proc, log=log)
    except RuntimeError:
        proc.kill()
        raise
    return proc, port


@dataclass
class Worker:
    """A Celery worker process the tests started (celery_worker_start)."""

    proc: subprocess.Popen
    hostname: str
    queue: str = "celery"

    def idle_wait(self, *, timeout: float = 30) -> None:
        """Until it has nothing left to do (celery_worker_idle_wait)."""
        celery_worker_idle_wait(self.hostname, queue=self.queue, timeout=timeout)

    def stop(self) -> None:
        process_stop(self.proc)


def celery_worker_start(
    log: Path,
    *,
    name: str = "test-worker",
    pool: str = "solo",
    queue: str = "celery",
    args: tuple[str, ...] = (),
    env: dict | None = None,
) -> Worker:
    """A real `celery worker` process on the test database and broker, taking `queue`
    (`args` added to its command line, `env` to its environment), output to `log`;
    returned once it answers a ping."""
    from config.celery import app

    hostname = f"{name}@{socket.gethostname()}"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                f"--pool={pool}",
                "--loglevel=INFO",
                f"--hostname={hostname}",
                "--without-gossip",
                "--without-mingle",
                "-Q",
                queue,
                *args,
            ],
            cwd=ROOT,
            env=service_env(**(env or {})),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    try:
        while not _pinged(app, hostname):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"celery worker {hostname} did not start:\n{log.read_text(errors='replace')}")
    except BaseException:
        proc.kill()  # never left running behind a failed start
        proc.wait(10)
        raise
    return Worker(proc, hostname, queue)


def _pinged(app, hostname: str) -> bool:
    from redis import RedisError

    try:
        return bool(app.control.ping(destination=[hostname], timeout=0.5))
    except (OSError, RedisError):  # a broker connection from before a Redis restart (the outage tests)
        return False  # the failed connection is dropped: the next ping opens a new one


def _queue_length(queue: str) -> int:
    from config.celery import app

    with app.connection_for_write() as conn:
        return conn.default_channel.client.llen(queue)


def _worker_busy(hostname: str, queue: str) -> list:
    """What the worker still has (running, prefetched, waiting for a countdown) and what
    waits in its queue; [] when it has nothing to do."""
    from config.celery import app

    waiting = _queue_length(queue)
    inspect = app.control.inspect(destination=[hostname], timeout=1.0)
    replies = [inspect.active(), inspect.reserved(), inspect.scheduled()]
    if any(reply is None or hostname not in reply for reply in replies):
        return [f"{hostname} did not answer"]
    busy = [task for reply in replies for task in reply[hostname]]
    waiting += _queue_length(queue)  # again: a task that just finished may have sent another
    return busy + [f"{waiting} message(s) in {queue!r}"] * bool(waiting)


def celery_worker_idle_wait(hostname: str, *, queue: str = "celery", timeout: float = 30) -> None:
    """Return once the worker is idle: nothing running, prefetched or scheduled (a retry's
    countdown), its queue empty in Redis, twice in a row. What a test checks after that
    is final: no late second delivery can still come. AssertionError (with what is left)
    after `timeout` seconds."""
    from kombu.exceptions import OperationalError
    from redis import RedisError

    deadline = time.monotonic() + timeout
    idle_checks = 0
    while idle_checks < 2:
        try:
            busy = _worker_busy(hostname, queue)
        except (OSError, RedisError, OperationalError) as exc:
            # A pooled broker connection from before a Redis restart (the outage tests)
            # fails once and is dropped: ask again on a new one.
            busy = [f"broker: {exc!r}"]
        idle_checks = 0 if busy else idle_checks + 1
        if busy and time.monotonic() > deadline:
            raise AssertionError(f"the worker is not idle after {timeout} s: {busy}")
        time.sleep(0.1)
