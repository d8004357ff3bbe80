"""Benchmark of `bin/run` restarts and of the first search after a start (issue 10).
Run: `.venv/bin/python bench/restart.py [--rounds 3]`.

Runs `python -m config.run` (what bin/run execs) with its defaults (granian, 2 web workers,
Celery worker and beat, the demo) on its own data dir `.data/bench-run` (prepared once with
`--setup-only`), on a free port in 8600-8649. Each round starts it twice, once with the
search model warmed when each web worker starts (shipped: SEARCH_WARM_START=1) and once
without (the behaviour before issue 10: the model loads on a worker's first search); every
start but the first comes at once after a SIGTERM to the previous instance (no gap).

Per start it measures, from the moment the previous instance got SIGTERM (or from launch):
the first 200 of acme's home page and the banner (web server up, /readyz ok); then the
first visitor search (`/search/?q=`) and the first API search (`/api/search`, with the demo
editor's JWT), each with words no earlier query used, so Redis' query-vector cache cannot
answer and the model must run. Prints medians and the load average; figures go to
`docs/bench/restart.json`.
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

from _common import ROOT, BinRun, free_port, load_average, results_write

DATA_DIR = ROOT / ".data" / "bench-run"
PORTS = range(8600, 8650)
EDITOR = ("editor@acme.example", "acme-demo-editor")


def _http(port: int, path: str, host: str, *, data: bytes | None = None, headers: dict | None = None):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=data, headers={"Host": host, **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 (our server)
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return 0, b""


class Run(BinRun):
    """One bin/run on the benchmark's data dir, with or without the model warmed at start."""

    def __init__(self, port: int, warm: bool) -> None:
        super().__init__(DATA_DIR, port, env={"SEARCH_WARM_START": "1" if warm else "0"})


RUNS: list[Run] = []


def _start(port: int, warm: bool, since: float, previous: Run | None = None) -> tuple[Run, dict]:
    run = Run(port, warm)
    RUNS.append(run)
    serving_at = None
    deadline = time.monotonic() + 300
    while run.banner_at is None or serving_at is None:
        if run.proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("bin/run did not start:\n" + "".join(run.lines[-40:]))
        # The port answers for the previous instance until it is gone: only then is a 200 ours.
        if serving_at is None and (previous is None or previous.proc.poll() is not None):
            if _http(port, "/", "acme.localhost")[0] == 200:
                serving_at = time.monotonic()
        time.sleep(0.05)
    figures = {"first_200_s": serving_at - since, "banner_s": run.banner_at - since}
    word = uuid.uuid4().hex[:8]
    started = time.monotonic()
    status, _ = _http(port, f"/search/?q=robot+arms+{word}", "acme.localhost")
    figures["first_visitor_search_ms"] = (time.monotonic() - started) * 1000
    assert status == 200, status
    body = json.dumps({"username": EDITOR[0], "password": EDITOR[1]}).encode()
    status, token = _http(
        port, "/api/auth/token", "acme.localhost", data=body, headers={"Content-Type": "application/json"}
    )
    assert status == 200, token
    auth = {"Authorization": f"Bearer {json.loads(token)['access']}"}
    started = time.monotonic()
    status, _ = _http(port, f"/api/search?q=coffee+machines+{word}", "acme.localhost", headers=auth)
    figures["first_api_search_ms"] = (time.monotonic() - started) * 1000
    assert status == 200, status
    started = time.monotonic()
    _http(port, f"/search/?q=warehouse+robots+{word}", "acme.localhost")
    figures["next_search_ms"] = (time.monotonic() - started) * 1000
    return run, figures


def _stop(run: Run) -> float:
    """SIGTERM; returns the moment it was sent (the start of a stop -> start)."""
    sent = time.monotonic()
    run.proc.send_signal(signal.SIGTERM)
    return sent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"== {load_average()} (before the runs, 2 cores shared)")
    if not (DATA_DIR / "pg" / "PG_VERSION").exists():
        print("preparing .data/bench-run (initdb, migrations, demo) ...", flush=True)
    env = dict(os.environ, DATA_DIR=str(DATA_DIR))
    subprocess.run([sys.executable, "-m", "config.run", "--setup-only"], cwd=ROOT, env=env, check=True)

    port = free_port(PORTS)
    results: dict[str, list[dict]] = {"warm": [], "lazy": []}
    stop_seconds = []
    run, _ = _start(port, warm=True, since=time.monotonic())  # a first start, from a stopped data dir
    try:
        for round_ in range(1, args.rounds + 1):
            for mode in ("lazy", "warm"):
                previous = run
                sent = _stop(previous)
                run, figures = _start(port, warm=mode == "warm", since=sent, previous=previous)
                stop_seconds.append(_stopped_after(previous, sent))
                results[mode].append(figures)
                print(f"round {round_} {mode:<4} " + "  ".join(f"{k} {v:,.2f}" for k, v in figures.items()))
                print(f"        {load_average()}", flush=True)
    finally:
        for started in RUNS:  # the last one, or any left by an interruption
            if started.proc.poll() is None:
                _stop(started)
                started.proc.wait(timeout=90)

    def median(mode: str, key: str) -> float:
        return statistics.median(r[key] for r in results[mode])

    keys = ["first_200_s", "banner_s", "first_visitor_search_ms", "first_api_search_ms", "next_search_ms"]
    summary = {mode: {key: round(median(mode, key), 2) for key in keys} for mode in results}
    summary["stop_s"] = round(statistics.median(stop_seconds), 2)
    summary["rounds"] = args.rounds
    print(f"\n== medians over {args.rounds} rounds ({load_average()})")
    print(f"stop (SIGTERM -> bin/run exited, PostgreSQL and Redis down): {summary['stop_s']:.2f} s")
    for mode, label in (("warm", "warm start (shipped)"), ("lazy", "model on first search (before)")):
        print(
            f"{label:<32} stop->first 200 {summary[mode]['first_200_s']:.1f} s, stop->banner "
            f"{summary[mode]['banner_s']:.1f} s, first search {summary[mode]['first_visitor_search_ms']:,.0f} ms, "
            f"first API search {summary[mode]['first_api_search_ms']:,.0f} ms, "
            f"next {summary[mode]['next_search_ms']:,.0f} ms"
        )
    results_write("restart", summary)
    return 0


def _stopped_after(run: Run, sent: float) -> float:
    """Seconds from SIGTERM to the old bin/run's last word (its servers are down by then)."""
    run.proc.wait(timeout=90)
    time.sleep(0.2)  # the reader thread has the last line
    return run.stopped_at - sent


if __name__ == "__main__":
    sys.exit(main())
