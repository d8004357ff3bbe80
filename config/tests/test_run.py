"""`bin/run`'s orchestrator (`python -m config.run`, what bin/run execs), as a user runs it:
real processes, the embedded PostgreSQL and Redis it starts itself on a temporary data dir,
free ports, no mocks.

- stop and start again at once, ten times, SIGTERM and SIGINT: every start serves both demo
  tenants and /readyz, and nothing is left running after the last stop;
- a second bin/run on the same data dir while the first serves exits at once, non-zero,
  naming the first one's PID and URL;
- the search model is loaded when the web worker starts: /readyz says "loading", then "ok",
  and the banner waits for it;
- Redis, then PostgreSQL, killed with SIGKILL while serving: bin/run says so, restarts it,
  and the same web workers serve 200s again within seconds;
- a service that keeps dying stops everything, with a non-zero exit.

The first tests run it on the test database instead (DATABASE_URL / REDIS_URL set): then it
starts no server of its own and must stop none.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest
from django.db import connection

from config import runlock
from config.testing import ROOT, free_port, port_free, service_env

BANNER = "The platform is running"
DEMO_HOSTS = ("acme.localhost", "globex.localhost")
START_SECONDS = 240  # a loaded 2-core machine, the search model included


class BinRun:
    """One bin/run in its own session, output to a file; SIGINT starts ignored, as for a
    job a shell puts in the background (bin/run must take it back)."""

    def __init__(self, env: dict, port: int, log: Path, *args: str) -> None:
        self.env = env
        self.port = port
        self.log = log
        with log.open("w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "config.run", "--port", str(port), *args],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),  # noqa: PLW1509
            )
        self.seen: set[tuple[int, float]] = set()

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, text: str, seconds: float, *, after: int = 0) -> None:
        """Until `text` shows in the output (past offset `after`)."""
        deadline = time.monotonic() + seconds
        while text not in self.output()[after:]:
            assert self.proc.poll() is None, f"bin/run exited ({self.proc.returncode}):\n{self.output()[-6000:]}"
            assert time.monotonic() < deadline, f"no {text!r} in {seconds} s:\n{self.output()[-6000:]}"
            time.sleep(0.1)

    def processes(self) -> set[tuple[int, float]]:
        """(pid, start time) of bin/run and all it started, remembered for the final check."""
        try:
            root = psutil.Process(self.proc.pid)
            found = {(p.pid, p.create_time()) for p in [root, *root.children(recursive=True)]}
        except psutil.NoSuchProcess:
            found = set()
        self.seen |= found
        return found

    def stop(self, signum: int = signal.SIGTERM, seconds: float = 90) -> int:
        self.proc.send_signal(signum)
        return self.proc.wait(timeout=seconds)

    def kill(self) -> None:
        """Whatever is left, should a test fail."""
        for pid, _ in self.seen | self.processes():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _alive(processes) -> list[str]:
    left = []
    for pid, started in processes:
        try:
            process = psutil.Process(pid)
            if process.create_time() == started and process.status() != psutil.STATUS_ZOMBIE:
                left.append(f"{pid} {' '.join(process.cmdline())[:120]}")
        except psutil.NoSuchProcess:
            pass
    return left


def _get(port: int, path: str, host: str = "localhost") -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 (our server)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")
    except OSError as exc:
        return 0, str(exc)


def _serves_the_demo(port: int) -> None:
    for host in DEMO_HOSTS:
        for path in ("/", "/bench/"):
            status, body = _get(port, path, host)
            assert status == 200, (host, path, status, body[:300])
    status, body = _get(port, "/readyz")
    assert status == 200 and json.loads(body)["status"] == "ok", body


def _until_200(port: int, seconds: float) -> float:
    """Seconds until both demo sites and /readyz answer 200 again."""
    started = time.monotonic()
    while True:
        statuses = [_get(port, "/about/", host)[0] for host in DEMO_HOSTS] + [_get(port, "/readyz")[0]]
        if statuses == [200, 200, 200]:
            return time.monotonic() - started
        assert time.monotonic() - started < seconds, statuses
        time.sleep(0.2)


# --- on the test database -----------------------------------------------------------------


# django_db: pytest-django creates the test database only for runs holding such a test.
@pytest.mark.django_db
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_stops_the_web_server_and_exits_cleanly(signum, tmp_path):
    env = service_env(SEARCH_WARM_START="0")
    run = BinRun(env, free_port(), tmp_path / "run.log", "--no-demo", "--no-worker")
    try:
        run.wait_for(BANNER, START_SECONDS)
        assert _get(run.port, "/healthz")[0] == 200
        started = run.processes()
        assert run.stop(signum, 60) == 0, run.output()
    finally:
        run.kill()
    assert "==> stopping web" in run.output()
    assert _alive(started) == [], "the web server outlived config.run"
    assert "==> stopping postgres" not in run.output()  # it started none: DATABASE_URL was set
    connection.ensure_connection()  # and the test database still answers


@pytest.mark.django_db
def test_a_closed_output_does_not_cut_the_cleanup_short(tmp_path):
    # bin/run piped to a reader that goes away (`bin/run | head`, a closed terminal): its
    # next lines meet a broken pipe, and it must still stop everything it started.
    port = free_port()
    cmd = [sys.executable, "-m", "config.run", "--no-demo", "--no-worker", "--workers", "1", "--port", str(port)]
    env = service_env(SEARCH_WARM_START="0")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    run = BinRun.__new__(BinRun)  # only for its process bookkeeping
    run.proc, run.seen = proc, set()
    try:
        for line in proc.stdout:
            if BANNER.encode() in line:
                break
        started = run.processes()
        proc.stdout.close()
        assert _get(port, "/healthz")[0] == 200
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    finally:
        run.kill()
    assert len(started) >= 3  # bin/run, granian and its worker
    assert _alive(started) == [], "a process outlived bin/run"
    assert port_free(port)


# --- on its own data dir ------------------------------------------------------------------


@pytest.fixture(scope="module")
def run_env(tmp_path_factory):
    """bin/run's environment on a new data dir, prepared once (initdb, migrations, demo
    tenants and pages): what a user's second `bin/run` finds."""
    data_dir = tmp_path_factory.mktemp("run") / "data"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "PYTEST_VERSION")}
    # One spare schema is enough here (each costs a clone of the template schema).
    env.update(DATA_DIR=str(data_dir), TENANT_SPARE_POOL_SIZE="1")
    setup = subprocess.run(
        [sys.executable, "-m", "config.run", "--setup-only"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert setup.returncode == 0, setup.stdout[-4000:] + setup.stderr[-4000:]
    return env


def test_stop_and_start_at_once_ten_times_always_serves_and_leaves_nothing_behind(run_env, tmp_path):
    port = free_port()
    data_dir = Path(run_env["DATA_DIR"])
    # The warm start has a test of its own (below); here it would only load torch 11 times.
    env = dict(run_env, SEARCH_WARM_START="0")
    runs = [BinRun(env, port, tmp_path / "run-0.log", "--workers", "1")]
    waited = 0  # starts that found the previous one still stopping (the others found it gone)
    try:
        runs[0].wait_for(BANNER, START_SECONDS)
        for i in range(1, 11):
            previous = runs[-1]
            previous.processes()
            signum = signal.SIGTERM if i % 2 else signal.SIGINT
            previous.proc.send_signal(signum)
            runs.append(BinRun(env, port, tmp_path / f"run-{i}.log", "--workers", "1"))  # no gap
            runs[-1].wait_for(BANNER, START_SECONDS)
            assert previous.proc.wait(timeout=5) == 0, previous.output()
            waited += f"waiting for bin/run PID {previous.proc.pid} to finish stopping" in runs[-1].output()
            _serves_the_demo(port)
            runs[-1].processes()
        assert runs[-1].stop(signal.SIGTERM) == 0
    finally:
        for run in runs:
            run.kill()
    print(f"{waited} of 10 starts waited for the previous bin/run to finish stopping")
    seen = set().union(*(run.seen for run in runs))
    assert len(seen) > 11 * 5  # bin/run, PostgreSQL (+ its backends), Redis, web, worker, beat
    assert _alive(seen) == []
    assert not (data_dir / "pg" / "postmaster.pid").exists()
    assert not (data_dir / "redis" / "redis.sock").exists()
    assert not (data_dir / "run.json").exists()


def test_a_run_waits_while_the_owner_of_the_data_dir_is_stopping_then_starts(run_env, tmp_path):
    # This test process holds the lock as a stopping bin/run would (config.runlock's own
    # protocol), and lets go after two seconds.
    data_dir = Path(run_env["DATA_DIR"])
    lock = runlock.RunLock(data_dir, url="http://localhost:1/")
    lock.acquire(wait=0)
    lock.publish("stopping")
    run = BinRun(run_env, free_port(), tmp_path / "run.log", "--setup-only")
    try:
        run.wait_for(f"==> waiting for bin/run PID {os.getpid()} to finish stopping (up to 30 s)", 30)
        time.sleep(2)
        assert "PostgreSQL" not in run.output()  # nothing started while the owner stops
        lock.release()
        assert run.proc.wait(timeout=120) == 0, run.output()
    finally:
        lock.release()
        run.kill()
    assert "==> PostgreSQL" in run.output() and "==> migrating every schema" in run.output()


@pytest.fixture(scope="module")
def serving(run_env, tmp_path_factory):
    """One bin/run with the search model warmed at start (the default), one web worker,
    and every page request through PostgreSQL and Redis (no page cache, no per-process host
    cache), so an outage of either shows. Records what /readyz said while it started."""
    env = dict(run_env, CONTENT_PAGE_CACHE="0", DOMAIN_LOCAL_CACHE_SECONDS="0")
    run = BinRun(env, free_port(), tmp_path_factory.mktemp("serving") / "run.log", "--workers", "1")
    run.readiness_seen = []
    try:
        deadline = time.monotonic() + START_SECONDS
        while BANNER not in run.output():
            assert run.proc.poll() is None and time.monotonic() < deadline, run.output()[-6000:]
            status, body = _get(run.port, "/readyz")
            if status in (200, 503):
                run.readiness_seen.append((status, json.loads(body)["checks"].get("search")))
            time.sleep(0.1)
        run.processes()
        yield run
        if run.proc.poll() is None:
            run.stop()
    finally:
        run.kill()


def test_the_search_model_loads_when_the_worker_starts_and_the_banner_waits_for_it(serving):
    assert (503, "loading") in serving.readiness_seen  # the worker answered while it loaded
    assert serving.readiness_seen[-1] == (200, "ok")
    status, body = _get(serving.port, "/readyz")
    assert status == 200 and json.loads(body)["checks"]["search"] == "ok"
    # A hybrid search embeds the query in the worker (whether the demo pages are indexed yet
    # depends on the Celery worker's pace, so no hit is asserted).
    status, body = _get(serving.port, "/search/?q=robot+arms+for+small+workshops", "acme.localhost")
    assert status == 200 and 'value="robot arms for small workshops"' in body, body[:500]


def test_a_second_run_on_the_same_data_dir_exits_at_once_naming_the_first(serving, run_env, tmp_path):
    second = BinRun(run_env, free_port(), tmp_path / "second.log")
    try:
        returncode = second.proc.wait(timeout=15)
    finally:
        second.kill()
    output = second.output()
    assert returncode != 0
    assert f"already serving on this data dir ({run_env['DATA_DIR']}): PID {serving.proc.pid}" in output
    assert f"http://localhost:{serving.port}/" in output
    assert "PostgreSQL" not in output  # it started nothing
    assert serving.proc.poll() is None
    _serves_the_demo(serving.port)


def test_killed_redis_then_postgres_are_restarted_and_the_same_workers_serve_again(serving):
    data_dir = Path(serving.env["DATA_DIR"])
    _serves_the_demo(serving.port)
    web_before = _web_processes(serving)
    for name, pid_of in (
        ("redis", lambda: int((data_dir / "redis" / "redis.pid").read_text())),
        ("postgres", lambda: int((data_dir / "pg" / "postmaster.pid").read_text().split()[0])),
    ):
        mark = len(serving.output())
        os.kill(pid_of(), signal.SIGKILL)
        serving.wait_for(f"==> {name} is running again", 60, after=mark)
        said = serving.output()[mark:]
        assert f"==> {name} exited unexpectedly (killed by signal SIGKILL)" in said
        assert "the last lines of its log" in said
        assert _until_200(serving.port, 15) < 15
    assert _web_processes(serving) == web_before  # recovered by themselves, not restarted
    assert "==> web exited" not in serving.output()


def test_a_service_that_keeps_dying_stops_everything_with_a_non_zero_exit(serving):
    data_dir = Path(serving.env["DATA_DIR"])
    serving.processes()
    kills = 0
    # Three restarts in 60 s are allowed (the test above may have used one already).
    while serving.proc.poll() is None and kills < 4:
        mark = len(serving.output())
        os.kill(int((data_dir / "redis" / "redis.pid").read_text()), signal.SIGKILL)
        kills += 1
        deadline = time.monotonic() + 60
        while "redis is running again" not in serving.output()[mark:] and serving.proc.poll() is None:
            assert time.monotonic() < deadline, serving.output()[-3000:]
            time.sleep(0.1)
    returncode = serving.proc.wait(timeout=90)
    output = serving.output()
    assert returncode == 1, output[-3000:]
    # Redis' bound, or the Celery worker's: a worker that cannot acknowledge a task while
    # Redis is gone exits too, and is restarted under its own bound.
    gave_up = re.search(r"==> (redis|worker) exited 4 times within 60 s \((.+?)\); stopping everything", output)
    assert gave_up, output[-3000:]
    assert gave_up.group(1) == "worker" or gave_up.group(2) == "killed by signal SIGKILL"
    assert _alive(serving.seen) == []
    assert not (data_dir / "pg" / "postmaster.pid").exists()


def _web_processes(run: BinRun) -> set[tuple[int, float]]:
    root = psutil.Process(run.proc.pid)
    return {
        (p.pid, p.create_time())
        for p in root.children(recursive=True)
        if "granian" in " ".join(p.cmdline()) or "gunicorn" in " ".join(p.cmdline())
    }
