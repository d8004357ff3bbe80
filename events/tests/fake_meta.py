"""A fake Meta Graph API (Conversions API) on loopback: a real HTTP server in a thread,
for the events tests and bench/soak.py."""

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeMeta:
    """Plays graph.facebook.com/<version>/<pixel>/events.

    `script` is a list of behaviours used one per request, then "ok" forever:
    "ok" (200), "500", "timeout" (sleeps past the client's timeout, then 200),
    "hang" (waits until `release` is set). Any event whose event_id starts with
    "bad" makes its batch a 400, like Meta refusing a whole batch for one event.
    Accepted events are deduplicated on (pixel, event_name, event_id) like Meta does.
    Used by the events tests (the `fake_meta` fixture) and bench/soak.py.
    """

    def __init__(self, port: int = 0):
        self.script: list[str] = []
        self.requests: list[dict] = []
        self.accepted: set = set()  # what Meta counts: one per (pixel, name, id)
        self.deliveries: Counter = Counter()  # how often each was accepted (2xx)
        self.release = threading.Event()
        self.hanging = threading.Event()
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                pixel = self.path.strip("/").split("/")[1]
                with fake.lock:
                    fake.requests.append({"path": self.path, "pixel": pixel, "body": body})
                    behaviour = fake.script.pop(0) if fake.script else "ok"
                if behaviour == "500":
                    return self._answer(500, {"error": {"message": "Service temporarily unavailable", "code": 2}})
                if behaviour == "timeout":
                    time.sleep(1.6)
                if behaviour == "hang":
                    fake.hanging.set()
                    fake.release.wait(30)
                    return self._answer(500, {"error": {"message": "released"}})
                bad = [e for e in body["data"] if str(e.get("event_id", "")).startswith("bad")]
                if bad:
                    return self._answer(
                        400,
                        {"error": {"message": "Invalid parameter", "code": 100, "error_user_msg": "bad event"}},
                    )
                with fake.lock:
                    for event in body["data"]:
                        key = (pixel, event["event_name"], event["event_id"])
                        fake.deliveries[key] += 1
                        fake.accepted.add(key)
                self._answer(200, {"events_received": len(body["data"]), "messages": [], "fbtrace_id": "x"})

            def _answer(self, status, payload):
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client (a killed worker) is gone

        # Port 0: the kernel picks a free one (tests and a soak run beside other helpers' servers).
        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def events_sent(self, pixel: str | None = None) -> list[dict]:
        return [e for r in self.requests if pixel in (None, r["pixel"]) for e in r["body"]["data"]]

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
