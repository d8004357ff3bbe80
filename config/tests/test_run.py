"""`bin/run`'s orchestrator (`python -m config.run`): a stop signal, whichever one,
stops the web server it started and leaves no process behind.

It runs on the test database and Redis (DATABASE_URL / REDIS_URL set, so it starts no
embedded server of its own and must stop none), without the demo and without Celery: the
part under test is the way out, not the set-up that `bin/test` and CI exercise already."""

import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
from django.db import connection

from conftest import ROOT, port_free, service_env


# django_db: pytest-django creates the test database only for runs holding such a test.
@pytest.mark.django_db
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_stops_the_web_server_and_exits_cleanly(signum):
    port = next(p for p in range(8300, 8350) if port_free(p))
    cmd = [sys.executable, "-m", "config.run", "--no-demo", "--no-worker", "--workers", "1", "--port", str(port)]
    # start_new_session: the signal reaches config.run alone, as with `kill <pid>`, not the
    # whole group as a terminal's Ctrl-C would; and SIGINT starts ignored, as it does for a
    # job a shell puts in the background.
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=service_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),  # noqa: PLW1509
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:  # noqa: S310
                    assert response.status == 200
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "config.run did not serve in 120 s"
                time.sleep(0.3)

        proc.send_signal(signum)
        output, _ = proc.communicate(timeout=60)
        outlived = not port_free(port)
    finally:
        try:  # whatever is left of its session, should the test fail
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert proc.returncode == 0, output
    assert "==> stopping" in output
    assert not outlived, "the web server outlived config.run"
    assert "==> stopping postgres" not in output  # it started none: DATABASE_URL was set
    connection.ensure_connection()  # and the test database still answers
