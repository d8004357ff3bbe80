"""What every benchmark under bench/ shares: wrk, free ports, the load, and results files.

Each benchmark prints its figures and also writes them to `docs/bench/<name>.json`
(with the date and the load average), which `bench/chart.py` draws into
`docs/benchmarks.svg`: the chart shows what the last run measured, nothing typed in.
"""

import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "docs" / "bench"
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}

sys.path.insert(0, str(ROOT))

# Free ports and "wait until it answers": one implementation for the tests and the benchmarks.
from config.testing import free_port, http_wait  # noqa: E402, F401 (the benchmarks import both from here)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def wrk_ensure() -> None:
    """Debian's wrk, installed when missing (the benchmarks run as root on this machine)."""
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True)


def _ms(text: str, label: str) -> float:
    match = re.search(rf"^\s*{re.escape(label)}\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def wrk(
    url: str,
    *,
    headers: dict[str, str] | None = None,
    connections: int = 8,
    threads: int = 2,
    seconds: int = 8,
    script: Path | None = None,
    errors_allowed: bool = False,
) -> dict:
    """One wrk run: requests/s, p50 and p99 in ms, request and error counts.

    A non-2xx answer fails the run unless `errors_allowed`: a benchmark that measures
    error pages fast is worse than none."""
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    non_2xx = int(non_2xx.group(1)) if non_2xx else 0
    if non_2xx and not errors_allowed:
        raise RuntimeError(f"{url} answered {non_2xx} errors:\n{out}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": _ms(out, "50%"),
        "p99_ms": _ms(out, "99%"),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "non_2xx": non_2xx,
    }


def cpu_yardstick() -> float:
    """Millions of pure-Python loop steps per second on one core (median of 5): how fast
    this machine's Python is right now, so runs on different days or machines can be
    compared (Django's own work is pure Python)."""
    rates = []
    for _ in range(5):
        started, total = time.perf_counter(), 0
        for i in range(1_000_000):
            total += i & 7
        rates.append(1 / (time.perf_counter() - started))
    return sorted(rates)[2]


def results_write(name: str, figures: dict) -> Path:
    """Keep a run's figures for docs/ and the chart (`bench/chart.py`)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    yardstick = cpu_yardstick()
    print(f"CPU yardstick: {yardstick:.1f} M pure-Python loop steps/s on one core")
    record = {
        "measured": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "cpu_yardstick_mloops_per_s": round(yardstick, 2),
        "figures": figures,
    }
    path.write_text(json.dumps(record, indent=2) + "\n")
    print(f"figures written to {path.relative_to(ROOT)}")
    return path


def session_start(argv: list[str], *, cwd: Path, env: dict, url: str, what: str) -> subprocess.Popen:
    """A server process in its own session (setsid: no scheduling stall shared with wrk),
    output discarded; returned once `url` answers (else stopped, and RuntimeError)."""
    proc = subprocess.Popen(
        argv, cwd=cwd, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        http_wait(url, proc, what=what)
    except RuntimeError:
        session_stop(proc)
        raise
    return proc


def session_stop(proc: subprocess.Popen) -> None:
    """SIGTERM to the process's whole session, SIGKILL after 20 s."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


class Server:
    """gunicorn (2 sync workers, or gthread with `threads` > 1) or granian (WSGI, 2
    workers) serving config.wsgi on the benchmark's database, in its own session
    (setsid), so no scheduling stall is shared with wrk; `env` adds to the environment;
    `cwd` is the code tree served (another revision's, to compare two in one run)."""

    def __init__(
        self, kind: str = "gunicorn", *, env: dict[str, str], ports: range, threads: int = 1, cwd: Path = ROOT
    ):
        self.port = free_port(ports)
        bind = ["--bind", f"127.0.0.1:{self.port}"] if kind == "gunicorn" else []
        if kind == "gunicorn":
            cmd = ["gunicorn", "config.wsgi:application", *bind, "--workers", "2", "--log-level", "warning"]
            if threads > 1:
                cmd += ["--worker-class", "gthread", "--threads", str(threads)]
        elif kind == "granian":
            cmd = ["granian", "--interface", "wsgi", "--workers", "2", "--host", "127.0.0.1"]
            cmd += ["--port", str(self.port), "--log-level", "warning", "config.wsgi:application"]
        else:
            raise ValueError(f"unknown server {kind!r}")
        # No search model warming in the workers while wrk measures pages (config/wsgi.py):
        # these benchmarks never search, and the load would steal the first seconds' CPU.
        environ = {**os.environ, "HTTPS": "0", "DEBUG": "0", "LOG_LEVEL": "WARNING", "SEARCH_WARM_START": "0", **env}
        self.proc = session_start(
            [sys.executable, "-m", *cmd], cwd=cwd, env=environ, url=self.url("/healthz"), what=kind
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        session_stop(self.proc)


def services_stop(keep: bool = False) -> None:
    """Close this process's connections and stop the embedded servers the bench started
    (nothing is stopped with DATABASE_URL set, or with `keep`)."""
    from django.conf import settings
    from django.db import connections

    from config import services

    connections.close_all()
    if not keep and not os.environ.get("DATABASE_URL"):
        services.redis_stop(settings.DATA_DIR)
        services.postgres_stop(settings.DATA_DIR)


BANNER = "The platform is running"


class BinRun:
    """One `bin/run` (`python -m config.run`, what bin/run execs) on `data_dir` and `port`,
    in its own session, with `env` added to the environment (DATABASE_URL and REDIS_URL
    removed: it starts its own embedded servers). A thread reads its output, keeps the
    lines and notes when the banner came and when it said its last word."""

    def __init__(self, data_dir: Path, port: int, env: dict[str, str] | None = None) -> None:
        environ = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        environ.update(DATA_DIR=str(data_dir), **(env or {}))
        self.port = port
        self.banner_at: float | None = None
        self.stopped_at: float | None = None
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "config.run", "--port", str(port)],
            cwd=ROOT,
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)
            if BANNER in line and self.banner_at is None:
                self.banner_at = time.monotonic()
            if line.startswith("==> stopped"):  # its last line: PostgreSQL and Redis are down
                self.stopped_at = time.monotonic()

    def wait_banner(self, timeout: float = 300, *, echo: bool = False) -> None:
        """Until the banner (web server up, /readyz ok); raises with its last lines if it
        exits or takes longer than `timeout`. With `echo`, its steps (`==> ...`) are
        printed as they come (progress of a first start)."""
        deadline, shown = time.monotonic() + timeout, 0
        while self.banner_at is None:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("bin/run did not start:\n" + "".join(self.lines[-40:]))
            if echo:
                for line in self.lines[shown:]:
                    if line.startswith("==>"):
                        print(f"   bin/run {line.rstrip()}", flush=True)
                shown = len(self.lines)
            time.sleep(0.1)

    def stop(self, timeout: float = 90) -> None:
        """SIGTERM (its clean way out) and wait until it exited."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=timeout)


def seed_stack_command(work: Path, port: int) -> list[str]:
    """The seed stack's server as its README measures it: uvicorn, 2 workers, uvloop + httptools."""
    uvicorn = str(work / ".venv" / "bin" / "uvicorn")
    return [uvicorn, "app:app", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"] + [
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
