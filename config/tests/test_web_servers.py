"""Both web servers bin/run can start (`config.webserver`: granian by default, gunicorn on
request) stop gracefully and log requests only when asked. Real servers on the test
database; the request in flight is a real login (PBKDF2 with 1,000,000 iterations: long
enough to still be running when the stop signal arrives)."""

import json
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

from config.testing import TENANT_A, port_free, web_server_start
from config.webserver import WEB_SERVERS

pytestmark = pytest.mark.django_db
SIGNAL_AFTER = 0.15


def _serve(server: str, log_path, *, access_log: bool) -> tuple[subprocess.Popen, int]:
    return web_server_start(server, log_path, access_log=access_log)


def _get(port: int, path: str, host: str = "localhost") -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (our server)
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.parametrize("server", WEB_SERVERS)
def test_a_request_in_flight_when_the_server_is_told_to_stop_is_answered(server, tmp_path):
    proc, port = _serve(server, tmp_path / "server.log", access_log=False)
    answer: dict = {}

    def log_in():
        body = json.dumps({"username": TENANT_A[3], "password": TENANT_A[4]}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/auth/token",
            data=body,
            headers={"Host": TENANT_A[2], "Content-Type": "application/json"},
            method="POST",
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (our server)
                answer.update(status=response.status, body=json.loads(response.read()))
        except Exception as exc:  # noqa: BLE001 - the assertion below says what went wrong
            answer.update(error=repr(exc))
        answer["seconds"] = time.monotonic() - started

    try:
        client = threading.Thread(target=log_in)
        client.start()
        time.sleep(SIGNAL_AFTER)  # the request is in the worker, hashing the password
        proc.send_signal(signal.SIGTERM)
        client.join(timeout=40)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    log = (tmp_path / "server.log").read_text()
    assert answer.get("status") == 200, (answer, log)
    assert answer["seconds"] > SIGNAL_AFTER, "the request ended before the signal: nothing was in flight"
    assert "access" in answer["body"]
    assert proc.returncode == 0, log
    assert port_free(port), "the server still listens after its stop"


@pytest.mark.parametrize("server", WEB_SERVERS)
@pytest.mark.parametrize("access_log", [True, False])
def test_access_log_only_when_asked(server, access_log, tmp_path):
    log_path = tmp_path / "server.log"
    proc, port = _serve(server, log_path, access_log=access_log)
    line = "GET /static/content/site.css"
    try:
        assert _get(port, "/static/content/site.css") == 200  # static files, served by both
        # The line is written after the answer is sent: give it a moment (the whole moment
        # when none is expected).
        deadline = time.monotonic() + 3
        while line not in log_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert (line in log_path.read_text()) is access_log
