"""Soak with faults (issue 11): mixed load on bin/run's whole stack for `--minutes` (10 by
default) while Redis is restarted once, PostgreSQL once and the Celery worker is SIGKILLed
once. Run: `.venv/bin/python bench/soak.py [--minutes 10] [--outage-seconds 8]`
(`--minutes 1` is a smoke run: same checks, figures not written).

What it starts, all on loopback:
- `bin/run` (`python -m config.run`: embedded PostgreSQL + Redis, granian with 2 workers,
  Celery worker and beat, the demo tenants acme and globex) on a temporary data dir (or
  `--data-dir`, kept), on a free port from 8110. API rate limits are lifted (this is not a
  rate-limit test) and the JWT outlives the run; everything else is bin/run's defaults.
- A fake Meta Conversions API (a real HTTP server) that records every event it receives;
  each tenant's `MetaDestination` points at it with its own pixel id. It deduplicates on
  (pixel, event_name, event_id) as Meta does, and counts how often each event came.

The load (one thread per kind, paced, both tenants; about 45 requests/s in all, light
enough for a 2-core machine that also runs the stack):
cached page (anonymous visitor: answered from Redis), uncached page (a logged-in editor's
session: the view renders from the database), API read with a JWT (`/api/pages/<slug>`)
and with an API key (`/api/published/pages/<slug>`), page create + publish via the API,
signed Stripe webhooks (`checkout.session.completed`, each one a Purchase for Meta; every
tenth is delivered again, as providers do), conversion events (`/api/events`, batches of
five; every tenth batch sent again) and searches (`/api/search`, JWT and key). A webhook,
event batch or publish answered 503 (or not at all) is retried after `Retry-After`, like a
provider or a careful client.

The faults, at fixed shares of the run: Redis at 20 %, PostgreSQL at 45 % (each stopped,
held down `--outage-seconds`, then started again by bin/run's supervisor), the Celery
worker SIGKILLed at 70 % (bin/run's supervisor starts it again). To hold a server down,
the soak pauses bin/run itself (SIGSTOP) for the outage, so its supervisor does not
restart the server at once; with `--outage-seconds 0` the supervisor restarts it as soon
as it sees it gone.

Announced 503 windows: from a Redis or PostgreSQL stop until `GRACE_SECONDS` after it
answers again, a 503 with `Retry-After` (problem+json under /api/) is the promised answer.
Any other 5xx, any 503 outside those windows, any connection error and any unexpected
status is a failure. At the end (after the load, waiting up to `--drain-seconds` for the
outbox sweepers) it checks in the database and at the fake Meta: every accepted webhook
processed once (one row, done, one conversion sent), every accepted event stored once and
sent, Meta counting each once at the right pixel, every published page indexed (its own
word in its chunks, and found by a keyword search through the API).

Prints progress every 10 s, then requests by status, the failures, the exactly-once and
index checks, and p50/p99 per request kind before, during and after each fault, with load
averages. Figures go to docs/bench/soak.json (runs of 10 minutes or more). Exits 1 when a
target is missed.
"""

import argparse
import hashlib
import hmac
import http.client
import json
import os
import random
import re
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter, defaultdict
from pathlib import Path

from _common import ROOT, BinRun, free_port, load_average, results_write

sys.path.insert(0, str(ROOT))

from events.tests.fake_meta import FakeMeta  # noqa: E402 (after the path: the events tests' fake Meta)

PORTS = range(8110, 8130)
TENANTS = {
    # schema: (host, pixel id at the fake Meta, demo editor, password, webhook secret of events_demo)
    "acme": ("acme.localhost", "1001", "editor@acme.example", "acme-demo-editor", "whsec_demo_acme"),
    "globex": ("globex.localhost", "2002", "editor@globex.example", "globex-demo-editor", "whsec_demo_globex"),
}
PAGES = {"acme": ["/", "/about/", "/pricing/"], "globex": ["/", "/about/", "/pricing/"]}
API_SLUGS = ["about", "pricing", "_home"]
QUERIES = {
    "acme": ["robot arm payload", "collaborative robots safety", "pricing plans", "how fast can it weld"],
    "globex": ["pour over coffee", "roast profile", "pricing plans", "single origin beans"],
}
# Requests per second per kind (each thread alternates the two tenants).
RATES = {
    "page_cached": 24.0,
    "page_uncached": 4.0,
    "api_jwt": 6.0,
    "api_key": 6.0,
    "search": 2.0,
    "publish": 0.5,
    "webhook": 2.0,
    "events": 2.0,
}
EXPECTED = {
    "page_cached": {200},
    "page_uncached": {200},
    "api_jwt": {200},
    "api_key": {200},
    "search": {200},
    "page_create": {201},
    "page_publish": {200},
    "webhook": {200, 202},
    "events": {202},
}
FAULTS = [("redis", 0.20), ("postgres", 0.45), ("worker", 0.70)]
ANNOUNCING = {"redis", "postgres"}  # faults during which a 503 + Retry-After is the promised answer
GRACE_SECONDS = 10.0  # after a server answers again, its 503s may still be in flight
TIMEOUT_SECONDS = 30.0
RETRY_MAX = 30
EVENTS_PER_BATCH = 5


# --- HTTP ---------------------------------------------------------------------------------


class Answer:
    def __init__(self, status: int, headers: dict, body: bytes, error: str = ""):
        self.status, self.headers, self.body, self.error = status, headers, body, error

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None


class Http:
    """One keep-alive connection (one per load thread)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def call(self, method: str, host: str, path: str, *, body=None, headers: dict | None = None) -> Answer:
        hdrs = {"Host": host, **(headers or {})}
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        for attempt in (0, 1):
            fresh = self.conn is None
            if fresh:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT_SECONDS)
            try:
                self.conn.request(method, path, body=body, headers=hdrs)
                response = self.conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as exc:
                self.conn.close()
                self.conn = None
                if fresh or attempt:
                    return Answer(0, {}, b"", f"{type(exc).__name__}: {exc}")
                continue  # a kept-alive connection the server had closed: once more, on a new one
            if response.will_close:
                self.conn.close()
                self.conn = None
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
        raise AssertionError("unreachable")


def announced_503(answer: Answer, path: str) -> bool:
    """A 503 the product promises during an outage: Retry-After, and problem+json under /api/."""
    if answer.status != 503 or not answer.headers.get("retry-after"):
        return False
    return not path.startswith("/api/") or answer.headers.get("content-type", "").startswith("application/problem+json")


# --- the load -----------------------------------------------------------------------------


class Soak:
    def __init__(self, port: int, run_id: str, credentials: dict) -> None:
        self.port = port
        self.run_id = run_id
        self.creds = credentials  # schema -> {"jwt", "key", "session"}
        self.t0 = time.monotonic()
        self.records: list[tuple] = []  # (kind, start s, ms, status, announced, path)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.counter = 0
        self.webhooks: dict[tuple[str, str], str] = {}  # (schema, evt id) -> checkout session id (accepted)
        self.webhooks_sent = 0
        self.redeliveries = Counter()  # "duplicate" (answered as one) / "stored_again" (a defect)
        self.events: set[tuple[str, str]] = set()  # (schema, event_id) accepted
        self.event_resends = Counter()
        self.published: dict[tuple[str, str], str] = {}  # (schema, slug) -> its own word
        self.creates_refused = 0
        self.retries = Counter()
        self.gave_up = Counter()

    def next_id(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter

    def record(self, kind: str, started: float, answer: Answer, path: str) -> None:
        ms = (time.monotonic() - started) * 1000
        self.records.append(
            (kind, started - self.t0, ms, answer.status, announced_503(answer, path), path, answer.error)
        )

    def call(self, client: Http, kind: str, method: str, schema: str, path: str, **kwargs) -> Answer:
        started = time.monotonic()
        answer = client.call(method, TENANTS[schema][0], path, **kwargs)
        self.record(kind, started, answer, path)
        return answer

    def threads(self) -> list[threading.Thread]:
        steps = {
            "page_cached": self.page_cached,
            "page_uncached": self.page_uncached,
            "api_jwt": self.api_jwt,
            "api_key": self.api_key,
            "search": self.search,
            "publish": self.publish,
            "webhook": self.webhook,
            "events": self.events_send,
        }
        return [
            threading.Thread(target=self._paced, args=(kind, step, RATES[kind]), name=kind, daemon=True)
            for kind, step in steps.items()
        ]

    def _paced(self, kind: str, step, rate: float) -> None:
        """Call `step` `rate` times a second; due retries go first, then a new request."""
        client = Http(self.port)
        retries: list[tuple[float, object]] = []  # (due, callable)
        due, n = time.monotonic(), 0
        while not self.stop.is_set():
            now = time.monotonic()
            if now < due:
                time.sleep(min(due - now, 0.5))
                continue
            due = max(due + 1 / rate, now - 1)  # no burst to catch up after a stall
            ready = [r for r in retries if r[0] <= now]
            if ready:
                retries.remove(ready[0])
                again = ready[0][1](client)
            else:
                again = step(client, n)
                n += 1
            if again is not None:
                retries.append(again)

    def _retry(self, kind: str, answer: Answer, attempts: int, redo):
        """(due, callable) to try again later, or None past RETRY_MAX."""
        if attempts >= RETRY_MAX:
            self.gave_up[kind] += 1
            return None
        self.retries[kind] += 1
        try:
            wait = float(answer.headers.get("retry-after", 5))
        except ValueError:
            wait = 5.0
        return (time.monotonic() + min(max(wait, 1.0), 10.0), redo)

    # Each step does one request (or one create + publish) and returns a retry or None.

    def page_cached(self, client: Http, n: int):
        schema = "acme" if n % 2 else "globex"
        path = PAGES[schema][(n // 2) % len(PAGES[schema])]
        self.call(client, "page_cached", "GET", schema, path)

    def page_uncached(self, client: Http, n: int):
        schema = "acme" if n % 2 else "globex"
        path = PAGES[schema][(n // 2) % len(PAGES[schema])]
        self.call(client, "page_uncached", "GET", schema, path, headers={"Cookie": self.creds[schema]["session"]})

    def api_jwt(self, client: Http, n: int):
        schema = "acme" if n % 2 else "globex"
        path = f"/api/pages/{API_SLUGS[(n // 2) % len(API_SLUGS)]}"
        self.call(client, "api_jwt", "GET", schema, path, headers={"Authorization": self.creds[schema]["jwt"]})

    def api_key(self, client: Http, n: int):
        schema = "acme" if n % 2 else "globex"
        path = f"/api/published/pages/{API_SLUGS[(n // 2) % len(API_SLUGS)]}"
        self.call(client, "api_key", "GET", schema, path, headers={"Authorization": self.creds[schema]["key"]})

    def search(self, client: Http, n: int):
        schema = "acme" if n % 2 else "globex"
        words = QUERIES[schema][(n // 2) % len(QUERIES[schema])]
        if n % 3 == 0:
            words += f" {random.choice(['today', 'guide', 'best', 'new', 'small'])} {n}"  # noqa: S311 (a miss of the vector cache)
        path = "/api/search?" + urllib.parse.urlencode({"q": words})
        auth = self.creds[schema]["jwt" if n % 4 < 2 else "key"]
        self.call(client, "search", "GET", schema, path, headers={"Authorization": auth})

    def publish(self, client: Http, n: int):
        schema = "acme" if n % 2 else "globex"
        word = f"zq{uuid.uuid4().hex[:10]}"
        slug = f"soak-{self.run_id}-{self.next_id()}"
        page = {
            "slug": slug,
            "title": f"Soak page {slug}",
            "blocks": [
                {"type": "heading", "text": f"Soak {slug}"},
                {"type": "paragraph", "html": f"<p>Published under load; its own word is {word}.</p>"},
            ],
        }
        auth = {"Authorization": self.creds[schema]["jwt"]}
        answer = self.call(client, "page_create", "POST", schema, "/api/pages", body=page, headers=auth)
        if answer.status != 201:
            self.creates_refused += 1  # not created: nothing to publish (counted as a failure if not announced)
            return None
        return self._publish(client, schema, slug, word, auth, 1)

    def _publish(self, client: Http, schema: str, slug: str, word: str, auth: dict, attempts: int):
        answer = self.call(client, "page_publish", "POST", schema, f"/api/pages/{slug}/-/publish", headers=auth)
        if answer.status == 200:
            self.published[(schema, slug)] = word
            return None
        if answer.status in (0,) or answer.status >= 500:
            return self._retry(
                "page_publish", answer, attempts, lambda c: self._publish(c, schema, slug, word, auth, attempts + 1)
            )
        return None

    def webhook(self, client: Http, n: int):
        schema = "acme" if n % 2 else "globex"
        number = self.next_id()
        evt, session = f"evt_soak_{self.run_id}_{number}", f"cs_soak_{self.run_id}_{number}"
        body = json.dumps(
            {
                "id": evt,
                "type": "checkout.session.completed",
                "created": int(time.time()) - 2,
                "data": {
                    "object": {
                        "id": session,
                        "object": "checkout.session",
                        "amount_total": 4999,
                        "currency": "EUR",
                        "customer": f"cus_{number}",
                        "customer_details": {"email": f"buyer{number}@example.com", "address": {"country": "FR"}},
                        "metadata": {},
                    }
                },
            }
        ).encode()
        self.webhooks_sent += 1
        return self._webhook(client, schema, evt, session, body, 1, redelivery=n % 10 == 0)

    def _webhook(self, client: Http, schema: str, evt: str, session: str, body: bytes, attempts: int, *, redelivery):
        t = int(time.time())
        secret = TENANTS[schema][4]
        signature = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
        headers = {"Stripe-Signature": f"t={t},v1={signature}", "Content-Type": "application/json"}
        answer = self.call(client, "webhook", "POST", schema, "/api/webhooks/stripe/", body=body, headers=headers)
        if answer.status in (200, 202):
            first = (schema, evt) not in self.webhooks
            self.webhooks[(schema, evt)] = session
            if redelivery == "check":  # the provider's second delivery of an accepted one
                self.redeliveries["answered_duplicate" if answer.status == 200 else "stored_again"] += 1
                return None
            if redelivery and first:
                later = lambda c: self._webhook(c, schema, evt, session, body, 1, redelivery="check")  # noqa: E731
                return (time.monotonic() + random.uniform(2, 20), later)  # noqa: S311
            return None
        if answer.status == 0 or answer.status >= 500:
            redo = lambda c: self._webhook(c, schema, evt, session, body, attempts + 1, redelivery=redelivery)  # noqa: E731
            return self._retry("webhook", answer, attempts, redo)
        return None

    def events_send(self, client: Http, n: int):
        schema = "acme" if n % 2 else "globex"
        number = self.next_id()
        now = int(time.time()) - 2
        batch = [
            {
                "event_name": "Purchase",
                "event_id": f"ev_soak_{self.run_id}_{number}_{i}",
                "event_time": now,
                "action_source": "system_generated",
                "user_data": {"em": f"visitor{number}@example.com"},
                "custom_data": {"currency": "eur", "value": 10 + i},
            }
            for i in range(EVENTS_PER_BATCH)
        ]
        return self._events(client, schema, {"data": batch}, 1, resend=n % 10 == 0)

    def _events(self, client: Http, schema: str, body: dict, attempts: int, *, resend):
        headers = {"Authorization": self.creds[schema]["key"]}
        answer = self.call(client, "events", "POST", schema, "/api/events", body=body, headers=headers)
        if answer.status == 202:
            ids = [e["event_id"] for e in body["data"]]
            if resend == "check":
                result = answer.json() or {}
                ok = result.get("events_received") == 0 and result.get("duplicates") == len(ids)
                self.event_resends["answered_duplicate" if ok else "stored_again"] += 1
                return None
            self.events.update((schema, i) for i in ids)
            if resend:
                later = lambda c: self._events(c, schema, body, 1, resend="check")  # noqa: E731
                return (time.monotonic() + random.uniform(2, 20), later)  # noqa: S311
            return None
        if answer.status == 0 or answer.status >= 500:
            redo = lambda c: self._events(c, schema, body, attempts + 1, resend=resend)  # noqa: E731
            return self._retry("events", answer, attempts, redo)
        return None


# --- setup --------------------------------------------------------------------------------


def _django(data_dir: Path) -> None:
    """This process's Django, on bin/run's own PostgreSQL and Redis (it starts nothing)."""
    from config import services

    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATA_DIR=str(data_dir),
        DATABASE_URL=services.postgres_child_url(data_dir),
        REDIS_URL=f"unix://{data_dir / 'redis' / 'redis.sock'}",
        HTTPS="0",
    )
    import django

    django.setup()


def setup(port: int, data_dir: Path, meta: FakeMeta) -> dict:
    """Each tenant's Meta destination (the fake) and API key in the database; its editor's
    JWT and admin session over HTTP. Returns schema -> {"jwt", "key", "session"}."""
    _django(data_dir)
    from django.db import connections
    from django_tenants.utils import schema_context

    from api.services import api_key_create
    from events.models import MetaDestination

    credentials = {}
    client = Http(port)
    for schema, (host, pixel, email, password, _) in TENANTS.items():
        with schema_context(schema):
            MetaDestination.objects.all().delete()
            MetaDestination.objects.create(
                pixel_id=pixel, access_token=f"token-{schema}", api_version="v21.0", base_url=meta.url
            )
            _, key = api_key_create(name="soak", scopes=["pages:read", "events:write", "search:read"])
        answer = client.call("POST", host, "/api/auth/token", body={"username": email, "password": password})
        if answer.status != 200:
            raise RuntimeError(f"{schema}: token refused: {answer.status} {answer.body[:300]!r}")
        credentials[schema] = {
            "jwt": f"Bearer {answer.json()['access']}",
            "key": f"Api-Key {key}",
            "session": _admin_session(client, host, email, password),
        }
    connections.close_all()  # none kept open across the PostgreSQL restart
    return credentials


def _admin_session(client: Http, host: str, email: str, password: str) -> str:
    """Log the editor in through the admin's form; returns the Cookie header of its session."""
    answer = client.call("GET", host, "/admin/login/")
    csrf_cookie = re.search(r"csrftoken=([^;]+)", answer.headers.get("set-cookie", ""))
    csrf_form = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', answer.body)
    if not (csrf_cookie and csrf_form):
        raise RuntimeError(f"{host}: no CSRF token on the admin login page ({answer.status})")
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": csrf_form.group(1).decode(), "username": email, "password": password, "next": "/admin/"}
    ).encode()
    answer = client.call(
        "POST",
        host,
        "/admin/login/",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf_cookie.group(1)}"},
    )
    session = re.search(r"sessionid=([^;]+)", answer.headers.get("set-cookie", ""))
    if answer.status != 302 or not session:
        raise RuntimeError(f"{host}: admin login failed ({answer.status})")
    return f"sessionid={session.group(1)}"


# --- faults -------------------------------------------------------------------------------


def _children(pid: int) -> list[tuple[int, bytes]]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                found.append((int(entry.name), (entry / "cmdline").read_bytes()))
        except (OSError, ValueError, IndexError):
            continue
    return found


def _worker_pid(run: BinRun) -> int:
    for pid, cmdline in _children(run.proc.pid):
        args = cmdline.split(b"\0")
        if b"celery" in args and b"worker" in args:
            return pid
    raise RuntimeError("no Celery worker among bin/run's children")


def _hold(run: BinRun, seconds: float, stop) -> None:
    """Stop a server and keep it down `seconds`: bin/run is paused meanwhile, so its
    supervisor starts the server again only when the outage is over."""
    if seconds > 0:
        os.kill(run.proc.pid, signal.SIGSTOP)
    try:
        stop()
        time.sleep(seconds)
    finally:
        if seconds > 0:
            os.kill(run.proc.pid, signal.SIGCONT)


def fault(name: str, run: BinRun, data_dir: Path, soak: Soak, outage: float) -> dict:
    """Inject one fault; returns when the service is back: {name, start, back} in seconds
    since the load started."""
    from config import services

    start = time.monotonic()
    if name == "redis":
        _hold(run, outage, lambda: services.redis_stop(data_dir))
        url = f"unix://{data_dir / 'redis' / 'redis.sock'}"
        _until(lambda: services._redis_answers(url), 120, "Redis did not come back")
    elif name == "postgres":
        _hold(run, outage, lambda: services.postgres_stop(data_dir))
        _until(lambda: services.postgres_ready_url(data_dir) is not None, 120, "PostgreSQL did not come back")
    elif name == "worker":
        seen = len(run.lines)
        os.kill(_worker_pid(run), signal.SIGKILL)
        _until(
            lambda: any(line.startswith("worker") and " ready." in line for line in run.lines[seen:]),
            120,
            "the Celery worker did not come back",
        )
    back = time.monotonic()
    return {"name": name, "start": start - soak.t0, "back": back - soak.t0, "down_s": round(back - start, 2)}


def _until(predicate, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(message)
        time.sleep(0.1)


# --- analysis -----------------------------------------------------------------------------


def phases(faults: list[dict], end: float) -> list[tuple[str, float, float]]:
    """before / <fault> during / <fault> after, as (name, start, end) in seconds."""
    result, cursor = [], 0.0
    for i, f in enumerate(faults):
        result.append(("before" if i == 0 else f"{faults[i - 1]['name']} after", cursor, f["start"]))
        cursor = min(f["back"] + GRACE_SECONDS, faults[i + 1]["start"] if i + 1 < len(faults) else end)
        result.append((f"{f['name']} during", f["start"], cursor))
    result.append((f"{faults[-1]['name']} after" if faults else "before", cursor, end))
    return [p for p in result if p[2] > p[1]]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def classify(records: list[tuple], faults: list[dict]) -> dict:
    """Statuses, announced 503s per fault, failures (with examples)."""
    windows = [(f["name"], f["start"], f["back"] + GRACE_SECONDS) for f in faults if f["name"] in ANNOUNCING]
    by_status, by_kind = Counter(), defaultdict(Counter)
    announced = defaultdict(Counter)
    failures, examples = Counter(), []
    for kind, start, ms, status, is_announced, path, error in records:
        by_status[status] += 1
        by_kind[kind][status] += 1
        if status in EXPECTED[kind]:
            continue
        end = start + ms / 1000
        window = next((name for name, a, b in windows if start <= b and end >= a), None)
        if is_announced and window:
            announced[window][kind] += 1
            continue
        if status == 0:
            failure = "connection error"
        elif status >= 500:
            failure = "5xx outside the announced 503 windows"
        else:
            failure = "unexpected status"
        failures[failure] += 1
        if len(examples) < 20:
            examples.append({"kind": kind, "at_s": round(start, 1), "status": status, "path": path, "error": error})
    return {
        "by_status": {str(k): v for k, v in sorted(by_status.items())},
        "by_kind": {k: {str(s): n for s, n in sorted(c.items())} for k, c in by_kind.items()},
        "announced_503": {k: dict(c) for k, c in announced.items()},
        "failures": dict(failures),
        "failure_examples": examples,
    }


def latencies(records: list[tuple], spans: list[tuple[str, float, float]]) -> dict:
    table = {}
    for name, a, b in spans:
        kinds = defaultdict(list)
        for kind, start, ms, *_ in records:
            if a <= start < b:
                kinds[kind].append(ms)
        table[name] = {
            "seconds": round(b - a, 1),
            **{
                kind: {"n": len(v), "p50_ms": round(percentile(v, 0.5), 1), "p99_ms": round(percentile(v, 0.99), 1)}
                for kind, v in sorted(kinds.items())
            },
        }
    return table


def verify(soak: Soak, meta: FakeMeta) -> dict:
    """What the database and the fake Meta say about every accepted write."""
    from django.db import connections
    from django_tenants.utils import schema_context

    from content.models import Page
    from events.models import ConversionEvent, WebhookEvent
    from search.models import Chunk

    with meta.lock:
        deliveries = Counter(meta.deliveries)
    at_meta = defaultdict(Counter)  # event_id -> pixel -> times received
    for (pixel, _, event_id), times in deliveries.items():
        at_meta[event_id][pixel] += times
    result = Counter()
    problems: list[str] = []
    for schema, (_, pixel, *_) in TENANTS.items():
        with schema_context(schema):
            hooks = {e: s for (t, e), s in soak.webhooks.items() if t == schema}
            events = {e for t, e in soak.events if t == schema}
            rows = {
                r["provider_event_id"]: r
                for r in WebhookEvent.objects.filter(endpoint__slug="stripe", provider_event_id__in=list(hooks)).values(
                    "provider_event_id", "status", "attempts"
                )
            }
            conversions = defaultdict(list)
            for c in ConversionEvent.objects.filter(event_id__in=[*hooks.values(), *events]).values(
                "event_id", "status", "webhook_event_id"
            ):
                conversions[c["event_id"]].append(c)
            for evt, session in hooks.items():
                row, sent = rows.get(evt), conversions.get(session, [])
                if row is None or row["status"] != WebhookEvent.Status.DONE:
                    result["webhooks_not_processed"] += 1
                    problems.append(f"{schema} webhook {evt}: {row and row['status']}")
                elif len(sent) != 1 or sent[0]["status"] != ConversionEvent.Status.SENT:
                    result["webhooks_conversion_not_sent_once"] += 1
                    problems.append(f"{schema} webhook {evt}: conversions {[c['status'] for c in sent]}")
                else:
                    result["webhooks_processed_once"] += 1
                result["webhook_attempts_over_1"] += bool(row and row["attempts"] > 1)
            for event_id in events:
                sent = conversions.get(event_id, [])
                if len(sent) != 1 or sent[0]["status"] != ConversionEvent.Status.SENT:
                    result["events_not_stored_and_sent_once"] += 1
                    problems.append(f"{schema} event {event_id}: {[c['status'] for c in sent]}")
                else:
                    result["events_stored_and_sent_once"] += 1
            for event_id in [*hooks.values(), *events]:
                times = at_meta[event_id].get(pixel, 0)
                wrong = sum(n for p, n in at_meta[event_id].items() if p != pixel)
                if times == 0 or wrong:
                    result["meta_missing_or_wrong_pixel"] += 1
                    problems.append(f"{schema} {event_id}: at Meta {times} times, {wrong} at another pixel")
                else:
                    result["meta_counted_once"] += 1
                    result["meta_redelivered"] += times - 1
            slugs = {s: w for (t, s), w in soak.published.items() if t == schema}
            pages = {p.slug: p for p in Page.objects.filter(slug__in=list(slugs))}
            texts = defaultdict(str)
            for page_id, text in Chunk.objects.filter(page__slug__in=list(slugs)).values_list("page_id", "text"):
                texts[page_id] += text
            for slug, word in slugs.items():
                page = pages.get(slug)
                if page is None or page.status != Page.Status.PUBLISHED:
                    result["pages_not_published"] += 1
                    problems.append(f"{schema} page {slug}: {page and page.status}")
                elif word not in texts[page.pk]:
                    result["pages_not_indexed"] += 1
                    problems.append(f"{schema} page {slug}: not indexed")
                else:
                    result["pages_indexed"] += 1
    connections.close_all()
    result["problems"] = problems[:30]
    return dict(result)


def complete(checked: dict) -> bool:
    return not any(
        checked.get(k)
        for k in (
            "webhooks_not_processed",
            "webhooks_conversion_not_sent_once",
            "events_not_stored_and_sent_once",
            "meta_missing_or_wrong_pixel",
            "pages_not_published",
            "pages_not_indexed",
        )
    )


def search_sample(soak: Soak, count: int = 10) -> dict:
    """Published pages found through the API by their own word (keyword search)."""
    client, found, tried = Http(soak.port), 0, 0
    for (schema, slug), word in random.sample(sorted(soak.published.items()), min(count, len(soak.published))):
        tried += 1
        answer = client.call(
            "GET",
            TENANTS[schema][0],
            f"/api/search?q={word}&mode=keyword",
            headers={"Authorization": soak.creds[schema]["jwt"]},
        )
        hits = (answer.json() or {}).get("results", []) if answer.status == 200 else []
        found += any(hit["slug"] == slug for hit in hits)
    return {"tried": tried, "found": found}


# --- main ---------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the load (default 10)")
    parser.add_argument("--outage-seconds", type=float, default=8.0, help="how long Redis and PostgreSQL stay down")
    parser.add_argument("--drain-seconds", type=float, default=300.0, help="longest wait for the outbox sweepers")
    parser.add_argument(
        "--warmup-seconds", type=float, default=30.0, help="load before the measured run (its answers are checked too)"
    )
    parser.add_argument("--data-dir", type=Path, help="a data dir to use and keep (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir")
    args = parser.parse_args()
    duration = args.minutes * 60

    temporary = args.data_dir is None
    data_dir = (args.data_dir or Path(tempfile.mkdtemp(prefix="soak-"))).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    data_dir.chmod(0o755)  # PostgreSQL runs as the wheel's own user when we are root
    port, meta = free_port(PORTS), FakeMeta()
    print(f"== soak: {args.minutes:g} min of load on bin/run at 127.0.0.1:{port}, data dir {data_dir}")
    print(f"   {load_average()} (before; 2 cores shared)", flush=True)
    unlimited = "1000000000/m"
    env = {
        "API_RATE_LIMIT_ANON": unlimited,
        "API_RATE_LIMIT_USER": unlimited,
        "API_RATE_LIMIT_KEY": unlimited,
        "JWT_ACCESS_MINUTES": str(int(args.minutes) + 60),
    }
    run = BinRun(data_dir, port, env=env)
    passed, figures = False, {}
    try:
        started = time.monotonic()
        fresh = "" if (data_dir / "pg" / "PG_VERSION").exists() else " (a new data dir: initdb, migrations, demo)"
        print(f"== starting bin/run{fresh} ...", flush=True)
        run.wait_banner(timeout=900, echo=True)
        print(f"   serving after {time.monotonic() - started:.0f} s", flush=True)
        credentials = setup(port, data_dir, meta)
        soak = Soak(port, uuid.uuid4().hex[:6], credentials)
        figures, passed = _soak(soak, run, data_dir, meta, duration, args)
    finally:
        meta.close()
        print("== stopping bin/run", flush=True)
        run.stop()
        log = data_dir / "soak-bin-run.log"
        log.write_text("".join(run.lines))
        if temporary and not args.keep and passed:
            shutil.rmtree(data_dir, ignore_errors=True)
        else:
            print(f"   bin/run's output: {log}")
    if figures and args.minutes >= 10:
        results_write("soak", figures)
    elif figures:
        print("figures not written (a run shorter than 10 minutes is a smoke run)")
    print("== PASSED" if passed else "== FAILED: a target was missed (see above)")
    return 0 if passed else 1


def _soak(soak: Soak, run: BinRun, data_dir: Path, meta: FakeMeta, duration: float, args) -> tuple[dict, bool]:
    loads = []
    threads = soak.threads()
    # The warm-up's requests are checked like the others, but the phases (and their
    # latencies) start at 0 s: connections, caches and the model are warm by then.
    soak.t0 = time.monotonic() + args.warmup_seconds
    for thread in threads:
        thread.start()
    print(
        f"== load: {sum(RATES.values()):.0f} requests/s planned across {len(threads)} kinds; faults at "
        + ", ".join(f"{name} {share * duration:.0f} s" for name, share in FAULTS),
        flush=True,
    )
    faults, pending = [], list(FAULTS)
    last_report, last_count = time.monotonic(), 0
    while time.monotonic() - soak.t0 < duration:
        now = time.monotonic() - soak.t0
        if pending and now >= pending[0][1] * duration:
            name, _ = pending.pop(0)
            print(
                f"   {now:5.0f} s  FAULT {name}: "
                + {
                    "redis": f"Redis stopped, held down {args.outage_seconds:g} s, started again by bin/run",
                    "postgres": f"PostgreSQL stopped, held down {args.outage_seconds:g} s, started again by bin/run",
                    "worker": "Celery worker SIGKILLed; bin/run starts it again",
                }[name],
                flush=True,
            )
            faults.append(fault(name, run, data_dir, soak, args.outage_seconds))
            print(f"   {time.monotonic() - soak.t0:5.0f} s  {name} back after {faults[-1]['down_s']:.1f} s", flush=True)
        if time.monotonic() - last_report >= 10:
            now = time.monotonic() - soak.t0
            loads.append(os.getloadavg()[0])
            count = len(soak.records)
            rate = (count - last_count) / (time.monotonic() - last_report)
            last_report, last_count = time.monotonic(), count
            statuses = Counter(r[3] for r in soak.records[:count])
            if now < 0:
                phase = "warm-up"
            elif not faults:
                phase = "before"
            else:
                phase = f"{faults[-1]['name']} {'during' if now < faults[-1]['back'] + GRACE_SECONDS else 'after'}"
            ok = sum(n for s, n in statuses.items() if 200 <= s < 300)
            print(
                f"   {now:5.0f} s  {phase:<15} {rate:4.0f} req/s | 2xx {ok:,}  503 {statuses.get(503, 0):,}  "
                f"other {count - ok - statuses.get(503, 0):,} | webhooks {len(soak.webhooks):,} "
                f"events {len(soak.events):,} published {len(soak.published):,} | load {loads[-1]:.2f}",
                flush=True,
            )
        time.sleep(0.1)
    soak.stop.set()
    for thread in threads:
        thread.join(timeout=TIMEOUT_SECONDS + 5)
    end = time.monotonic() - soak.t0
    print(f"== load over after {end:.0f} s ({len(soak.records):,} requests, {load_average()})", flush=True)

    print(f"== waiting for every accepted write to be done (up to {args.drain_seconds:.0f} s) ...", flush=True)
    drain_started = time.monotonic()
    while True:
        checked = verify(soak, meta)
        if complete(checked) or time.monotonic() - drain_started > args.drain_seconds:
            break
        print(
            f"   {time.monotonic() - drain_started:4.0f} s  not yet: "
            + ", ".join(f"{k} {v}" for k, v in checked.items() if k != "problems" and ("not" in k or "missing" in k)),
            flush=True,
        )
        time.sleep(5)
    drained = time.monotonic() - drain_started
    sample = search_sample(soak)

    spans = phases(faults, end)
    statuses = classify(soak.records, faults)
    table = latencies(soak.records, spans)
    failures = sum(statuses["failures"].values())
    redelivery_defects = soak.redeliveries["stored_again"] + soak.event_resends["stored_again"]
    gave_up = sum(soak.gave_up.values())
    passed = (
        failures == 0
        and complete(checked)
        and redelivery_defects == 0
        and gave_up == 0
        and sample["found"] == sample["tried"]
        and len(faults) == len(FAULTS)
    )
    figures = {
        "minutes": duration / 60,
        "outage_seconds": args.outage_seconds,
        "grace_seconds": GRACE_SECONDS,
        "rates_per_s": RATES,
        "requests": len(soak.records),
        "load_average_1m": {
            "min": round(min(loads), 2) if loads else None,
            "median": round(statistics.median(loads), 2) if loads else None,
            "max": round(max(loads), 2) if loads else None,
        },
        "faults": [{**f, "start": round(f["start"], 1), "back": round(f["back"], 1)} for f in faults],
        **statuses,
        "retries": dict(soak.retries),
        "gave_up": dict(soak.gave_up),
        "writes": {
            "webhooks_sent": soak.webhooks_sent,
            "webhooks_accepted": len(soak.webhooks),
            "webhook_redeliveries": dict(soak.redeliveries),
            "events_accepted": len(soak.events),
            "event_batches_resent": dict(soak.event_resends),
            "pages_published": len(soak.published),
            "page_creates_refused": soak.creates_refused,
        },
        "checks": checked,
        "drain_s": round(drained, 1),
        "search_sample": sample,
        "latency_by_phase": table,
        "passed": passed,
    }
    _report(figures)
    return figures, passed


def _report(f: dict) -> None:
    print(f"\n== requests: {f['requests']:,}; by status " + ", ".join(f"{s}: {n:,}" for s, n in f["by_status"].items()))
    for kind, statuses in f["by_kind"].items():
        print(f"   {kind:<14} " + ", ".join(f"{s}: {n:,}" for s, n in statuses.items()))
    print("== faults: " + "; ".join(f"{x['name']} at {x['start']} s, back after {x['down_s']} s" for x in f["faults"]))
    print(
        f"== announced 503s (Retry-After, problem+json under /api/) within the windows: {f['announced_503'] or 'none'}"
    )
    print(f"== failures (target 0): {f['failures'] or 'none'}")
    for example in f["failure_examples"]:
        print(f"   {example}")
    w = f["writes"]
    c = f["checks"]
    print(
        f"== webhooks: {w['webhooks_accepted']:,} accepted of {w['webhooks_sent']:,}; processed exactly once "
        f"{c.get('webhooks_processed_once', 0):,}; redeliveries {w['webhook_redeliveries']}"
    )
    print(
        f"== events: {w['events_accepted']:,} accepted; stored and sent once "
        f"{c.get('events_stored_and_sent_once', 0):,}; "
        f"batches sent again {w['event_batches_resent']}"
    )
    print(
        f"== Meta: counted once at the right pixel {c.get('meta_counted_once', 0):,}; delivered again (Meta dedupes "
        f"on event_id) {c.get('meta_redelivered', 0):,}; missing {c.get('meta_missing_or_wrong_pixel', 0)}"
    )
    print(
        f"== pages: {w['pages_published']:,} published, {c.get('pages_indexed', 0):,} indexed; keyword search "
        f"found {f['search_sample']['found']} of {f['search_sample']['tried']} sampled; drained in {f['drain_s']} s"
    )
    for problem in c.get("problems", []):
        print(f"   {problem}")
    print(f"== retries {f['retries']}; gave up {f['gave_up'] or 'never'}")
    print("== latency p50 / p99 ms by phase")
    kinds = sorted({k for row in f["latency_by_phase"].values() for k in row if k != "seconds"})
    print(f"   {'phase':<18}" + "".join(f"{k:>16}" for k in kinds))
    for phase, row in f["latency_by_phase"].items():
        cells = "".join(
            f"{row[k]['p50_ms']:>7.0f} /{row[k]['p99_ms']:>6.0f} " if k in row else f"{'-':>16}" for k in kinds
        )
        print(f"   {phase:<18}{cells}")
    print(f"== load average 1 min during the run: {f['load_average_1m']}")


if __name__ == "__main__":
    sys.exit(main())
