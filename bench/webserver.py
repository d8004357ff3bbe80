"""The web servers as bin/run starts them (issue 10). Run: `.venv/bin/python bench/webserver.py`.

`bench/pages.py` compares granian and gunicorn with command lines of its own; this one
serves through `config.webserver.web_command`, bin/run's, so its figures are the shipped
configuration's: granian (default, with `--blocking-threads 4`), gunicorn, and granian
with its own default thread count (256 per worker with 2 workers) to check that bounding
the threads (each keeps a database connection) costs no throughput.

It runs `bin/run` (no Celery, no search warm-up) on `.data/bench-run` for PostgreSQL, Redis
and the demo, then each server (2 workers, access log off, own session) on the same
database, and `wrk -t2 -c8 -d8s` on acme's cached `/bench/` page (the 20-block page):
5 interleaved runs per server, medians, load average printed.
"""

import os
import signal
import statistics
import subprocess
import sys

from _common import ROOT, free_port, http_wait, load_average, results_write, wrk, wrk_ensure

sys.path.insert(0, str(ROOT))
from config.webserver import web_command  # noqa: E402

DATA_DIR = ROOT / ".data" / "bench-run"
PORTS = range(8650, 8700)
RUNS = 5


def _wait(port: int, proc: subprocess.Popen) -> None:
    http_wait(f"http://127.0.0.1:{port}/readyz", proc, seconds=120)


def main() -> int:
    wrk_ensure()
    print(f"== {load_average()} (before the runs, 2 cores shared)")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DATA_DIR=str(DATA_DIR), SEARCH_WARM_START="0", LOG_LEVEL="WARNING")
    run_port = free_port(PORTS)
    run = subprocess.Popen(
        [sys.executable, "-m", "config.run", "--port", str(run_port), "--no-worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    servers = {}
    try:
        _wait(run_port, run)
        from config import services

        env.update(
            DATABASE_URL=services.postgres_ready_url(DATA_DIR),
            REDIS_URL=f"unix://{DATA_DIR / 'redis' / 'redis.sock'}",
            HTTPS="0",
        )

        def argv(server: str, port: int) -> list[str]:
            return web_command(server=server, host="127.0.0.1", port=port, workers=2, access_log=False)

        def granian_default_threads(port: int) -> list[str]:
            cmd = argv("granian", port)
            at = cmd.index("--blocking-threads")
            return cmd[:at] + cmd[at + 2 :]

        shipped = {
            "granian": lambda port: argv("granian", port),
            "gunicorn": lambda port: argv("gunicorn", port),
            "granian, default threads": granian_default_threads,
        }
        for name, command in shipped.items():
            port = free_port(range(run_port + 1, PORTS.stop))
            proc = subprocess.Popen(
                command(port),
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            servers[name] = (proc, port)
            _wait(port, proc)
        results = {name: [] for name in servers}
        for round_ in range(RUNS):
            for name, (_, port) in servers.items():
                figures = wrk(f"http://127.0.0.1:{port}/bench/", headers={"Host": "acme.localhost"})
                results[name].append(figures)
                print(f"run {round_ + 1} {name:<26} {figures['rps']:>8,.0f} req/s  p99 {figures['p99_ms']:.1f} ms")
            print(f"      {load_average()}", flush=True)
    finally:
        for proc, _ in servers.values():
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        run.send_signal(signal.SIGTERM)
        run.wait(timeout=90)
    summary = {
        name: {
            "rps": round(statistics.median(r["rps"] for r in runs)),
            "p99_ms": round(statistics.median(r["p99_ms"] for r in runs), 1),
        }
        for name, runs in results.items()
    }
    print(f"\n== medians of {RUNS} runs ({load_average()})")
    for name, figures in summary.items():
        print(f"{name:<26} {figures['rps']:>8,} req/s  p99 {figures['p99_ms']} ms")
    results_write("webserver", summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
