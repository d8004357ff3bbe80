"""The web server's command line: granian by default, gunicorn on request.

One place for it, so that bin/run, the tests' `web_server` fixture and anyone reading
serve the same way. Granian is the default because it served the cached 20-block page
about twice as fast as gunicorn on the same 2 cores (4,449 against 2,153 req/s, issue 10;
docs/benchmarks.md), with the same static files (whitenoise is middleware) and the same
graceful stop: on SIGTERM both stop accepting, let requests in flight finish for up to
`GRACEFUL_SECONDS`, then end their workers.
"""

import sys

WEB_SERVERS = ("granian", "gunicorn")
GRACEFUL_SECONDS = 10
# Python threads per granian worker. Its default for WSGI is half the backlog per worker
# (256 with 2 workers), and every thread keeps its own persistent database connection
# (CONN_MAX_AGE): a burst could open more than PostgreSQL's max_connections. Requests are
# CPU-bound under the GIL, so a few threads per worker serve as fast; the rest wait in
# granian's queue (its backpressure), not in PostgreSQL's.
GRANIAN_THREADS = 4
WEB_SERVER_UNKNOWN = "WEB_SERVER={name!r} is unknown: use one of {choices}."


def web_command(*, server: str, host: str, port: int, workers: int, access_log: bool) -> list[str]:
    """argv serving `config.wsgi` with this interpreter's copy of the server (no reliance on
    PATH holding .venv/bin)."""
    if server == "granian":
        cmd = ["granian", "--interface", "wsgi", "--host", host, "--port", str(port), "--workers", str(workers)]
        # Granian leaves a crashed worker dead unless told otherwise (gunicorn replaces it).
        cmd += ["--respawn-failed-workers", "--workers-kill-timeout", str(GRACEFUL_SECONDS)]
        cmd += ["--blocking-threads", str(GRANIAN_THREADS)]
        cmd += ["--access-log" if access_log else "--no-access-log", "config.wsgi:application"]
    elif server == "gunicorn":
        cmd = ["gunicorn", "config.wsgi:application", "--bind", f"{host}:{port}", "--workers", str(workers)]
        cmd += ["--graceful-timeout", str(GRACEFUL_SECONDS)]
        if access_log:
            cmd += ["--access-logfile", "-"]
    else:
        raise ValueError(WEB_SERVER_UNKNOWN.format(name=server, choices=", ".join(WEB_SERVERS)))
    return [sys.executable, "-m", *cmd]
