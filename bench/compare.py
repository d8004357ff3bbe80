"""The product beside the seed stack, in one run (issue 12). Run:

    .venv/bin/python bench/compare.py [--duration 15] [--repeats 3] [--only api_key_published,seed_api]

The seed stack (`bench/anchors/seed-stack/`: FastAPI + asyncpg + uvicorn, one row per
page, no cache; its run.sh makes its own venv under .data/anchors/ and installs wrk when
missing) and the product (granian, 2 workers, the demo of `bin/run --setup-only` in
`.data/bench-compare`) are served side by side, each server in its own session (setsid),
and measured with `wrk -t2 -c8 --latency`, `--repeats` rounds of `--duration` seconds,
the targets alternating within each round so drifting background load hits all of them;
medians over rounds. Every ratio is product / seed stack from the same round set
(`--base REV` adds the webhook ingest of another revision, served from a `git archive` of it
with the same venv and database, to the same rounds; `--only` measures some targets, e.g.
one ratio's two, and prints without writing; `--replay-off-too` adds the product served with
`CONTENT_PAGE_REPLAY=0`, to see what the replay layer in front of Django gives, same rounds;
`--keeper-off-too` likewise adds the webhook ingest served with `EVENTS_WEBHOOK_KEEPER=0`;
each webhook target also gets its CPU per request, the web server's process tree and
PostgreSQL's from /proc over the run: steadier than req/s on a shared machine):

| ratio | product | seed stack |
|---|---|---|
| `page_cached` | `/bench/` of tenant acme, page cache on | `/bench` (rendered per request) |
| `page_uncached` | the same, `CONTENT_PAGE_CACHE=0` | `/bench` |
| `api_jwt` | `GET /api/pages/bench`, `Authorization: Bearer <JWT>` | `/api/pages/bench` |
| `api_key_published` | `GET /api/published/pages/bench`, `Api-Key` | `/api/pages/bench` |
| `webhook_ingest` | `POST /api/webhooks/bench-github/` (verify + store + enqueue) | `/api/pages/bench` |

Beside them, absolute: `GET /api/search` p50 (hybrid, demo-sized tenant, warm: the
query's vector is cached after its first request) from one client (`wrk -t1 -c1`: the
latency of one search, the figure of record) with the `-t2 -c8` run's p50 and req/s beside
it (8 clients on 2 workers queue: that p50 is mostly waiting), the query embedding alone (distinct
queries, in this process, same runtime and SEARCH_MODEL_PRECISION as the workers; the other
local precisions interleaved with it, beside it) and the RSS of each web worker
with the search model loaded (the product's server runs with SEARCH_WARM_START=1 and is
measured once /readyz is ok, and again after the search load). Writes
docs/bench/compare.json; `bench/chart.py` draws it; docs/benchmarks.md explains it.
"""

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import (
    ROOT,
    Server,
    free_port,
    http_wait,
    load_average,
    results_write,
    seed_stack_command,
    session_start,
    session_stop,
    wrk,
    wrk_ensure,
)

sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATA_DIR", str(ROOT / ".data" / "bench-compare"))
os.environ.setdefault("JWT_ACCESS_MINUTES", "240")  # the token must outlive the run
os.environ.setdefault("HTTPS", "0")

ANCHOR = ROOT / "bench" / "anchors" / "seed-stack"
TENANT, HOST = "acme", "acme.localhost"
EDITOR = ("editor@acme.example", "acme-demo-editor")
PORTS = range(8600, 8650)
UNLIMITED = "1000000000/m"
SEARCH_QUERY = "robot arm for a small workshop"
# Goals of issue 12: product / seed stack, same run (search and memory are absolute).
GOALS = {
    "page_cached": 1.3,
    "page_uncached": 0.5,
    "api_jwt": 0.5,
    "api_key_published": 1.0,
    "webhook_ingest": 0.4,
    "search_p50_ms": 5.0,
    "query_embedding_p50_ms": 3.0,
    "web_worker_rss_mb": 250.0,
}
# Targets measured with one client (one request at a time): a latency, not a throughput.
SINGLE_CLIENT = {"search_1client": {"connections": 1, "threads": 1}}
# What --only may name ("search" also measures search_1client).
TARGETS = {
    "seed_page",
    "seed_api",
    "page_cached",
    "page_uncached",
    "api_jwt",
    "api_key_published",
    "webhook_ingest",
    "search",
}
SEED_OF = {
    "page_cached": "seed_page",
    "page_uncached": "seed_page",
    "api_jwt": "seed_api",
    "api_key_published": "seed_api",
    "webhook_ingest": "seed_api",
}


def _bench_module(name: str):
    """A sibling benchmark as a module (bench/events.py would shadow the events app)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the seed stack -------------------------------------------------------------------


class SeedStack:
    """run.sh prepares it (venv, PostgreSQL started and seeded with the same 20-block page);
    uvicorn is started here as run.sh starts it, so both stacks are measured by one wrk."""

    def __init__(self):
        print("== seed stack: venv, PostgreSQL, seed (bench/anchors/seed-stack/run.sh)", flush=True)
        done = subprocess.run(
            ["bash", str(ANCHOR / "run.sh")],
            env={**os.environ, "SETUP_ONLY": "1", "WAIT_QUIET": "0"},
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"seed stack setup failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        said = dict(
            line.split(": ", 1) for line in done.stdout.splitlines() if line.startswith(("dsn: ", "work copy: "))
        )
        self.work, dsn = Path(said["work copy"]), said["dsn"]
        self.port = free_port(PORTS)
        env = {**os.environ, "CAW_DSN": dsn, "CAW_POOL_SIZE": "4", "CAW_POOL_RESET": "stock"}
        self.proc = session_start(
            seed_stack_command(self.work, self.port), cwd=self.work, env=env, url=self.url("/hello"), what="seed stack"
        )
        for path in ("/bench", "/api/pages/bench"):
            _wait_200(self.url(path))

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        session_stop(self.proc)
        subprocess.run([str(self.work / ".venv" / "bin" / "python"), "pg.py", "stop"], cwd=self.work, check=False)


def _wait_200(url: str, seconds: float = 60, headers: dict | None = None) -> None:
    http_wait(url, None, seconds=seconds, headers=headers)


# --- the product ----------------------------------------------------------------------


def product_setup() -> dict:
    """The demo (as `bin/run --setup-only` makes it), acme's pages indexed for search, a JWT
    of acme's editor, an API key, and the webhook endpoint of bench/events.py."""
    print("== product: demo data (config.run --setup-only), search index, credentials", flush=True)
    subprocess.run([sys.executable, "-m", "config.run", "--setup-only"], cwd=ROOT, check=True, capture_output=True)
    import django

    django.setup()
    from django_tenants.utils import schema_context

    from api import services as api_services
    from search.services import tenant_reindex

    with schema_context(TENANT):
        tenant_reindex()
        access = api_services.token_obtain(username=EDITOR[0], password=EDITOR[1])["access"]
        _key, plain = api_services.api_key_create(name="bench-compare", scopes=["pages:read", "search:read"])
    lua = _bench_module("events").webhook_target(TENANT, HOST)
    return {"jwt": f"Bearer {access}", "key": f"Api-Key {plain}", "lua": lua}


def _server(*, cache: bool, warm: bool, cwd: Path = ROOT, replay: bool = True, keeper: bool = True) -> Server:
    from django.conf import settings

    from config.services import postgres_socket_url

    db = settings.DATABASES["default"]
    env = {
        "DATABASE_URL": postgres_socket_url(db["HOST"], db["NAME"], db["USER"]),
        "REDIS_URL": settings.REDIS_URL,
        "DATA_DIR": str(settings.DATA_DIR),
        "CONTENT_PAGE_CACHE": "1" if cache else "0",
        "CONTENT_PAGE_REPLAY": "1" if replay else "0",
        "EVENTS_WEBHOOK_KEEPER": "1" if keeper else "0",
        "SEARCH_WARM_START": "1" if warm else "0",
        "API_RATE_LIMIT_ANON": UNLIMITED,
        "API_RATE_LIMIT_USER": UNLIMITED,
        "API_RATE_LIMIT_KEY": UNLIMITED,
    }
    return Server("granian", env=env, ports=PORTS, cwd=cwd)


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            found += children
            todo += children
    return found


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes (all their threads) so far."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15 of stat)
    return total / tick


def _postgres_pids() -> list[int]:
    """The embedded PostgreSQL's postmaster and its children (the backends)."""
    from django.conf import settings

    from config.services import _postmaster

    found = _postmaster(Path(settings.DATA_DIR) / "pg")
    return [] if found is None else [found[0], *_descendants(found[0])]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _has_model(pid: int) -> bool:
    try:
        return "onnxruntime" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def web_workers_rss(server: Server) -> list[float]:
    """RSS of each process of the server that has the search model's runtime loaded
    (granian's workers)."""
    return sorted(_rss_mb(pid) for pid in _descendants(server.proc.pid) if _has_model(pid))


def _wait_models(server: Server, workers: int = 2, seconds: float = 180) -> None:
    """Until every worker has its model in (/readyz is ok in each)."""
    deadline = time.monotonic() + seconds
    while len(web_workers_rss(server)) < workers:
        if time.monotonic() > deadline:
            raise RuntimeError("the web workers did not load the search model")
        time.sleep(0.5)
    for _ in range(2 * workers):
        _wait_200(server.url("/readyz"), seconds=seconds)


def query_embedding_ms(samples: int) -> dict:
    """The query embedding alone, distinct queries (nothing cached), the workers' runtime
    (the configured SEARCH_MODEL_PRECISION); and the other local precisions in the same
    loop, query by query interleaved (bench/embedding.py has more on them)."""
    from django.conf import settings

    from search.embedders import PRECISIONS, LocalEmbedder, embedder_build

    embedders = {"configured": embedder_build()}
    if isinstance(embedders["configured"], LocalEmbedder):
        embedders |= {p: LocalEmbedder(precision=p) for p in PRECISIONS if p != settings.SEARCH_MODEL_PRECISION}
    for embedder in embedders.values():
        embedder.warm()
    times = {name: [] for name in embedders}
    names = list(embedders)
    for i in range(samples):
        text = f"which {['robot', 'coffee', 'gripper', 'roast'][i % 4]} plan suits a team of {i} people"
        shift = i % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter()
            embedders[name].embed([text])
            times[name].append((time.perf_counter() - started) * 1000)
    for values in times.values():
        values.sort()
    configured = times.pop("configured")
    return {
        "p50_ms": statistics.median(configured),
        "p90_ms": configured[int(len(configured) * 0.9)],
        "samples": samples,
        "precision": getattr(embedders["configured"], "precision", None),
        "other_precisions_p50_ms": {name: statistics.median(values) for name, values in times.items()},
    }


# --- the run --------------------------------------------------------------------------


def _count_webhooks() -> int:
    from django_tenants.utils import schema_context

    from events.models import WebhookEvent

    with schema_context(TENANT):
        return WebhookEvent.objects.filter(endpoint__slug="bench-github").count()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run (default 15)")
    parser.add_argument("--repeats", type=int, default=3, help="rounds; medians over them (default 3)")
    parser.add_argument("--keep-services", action="store_true", help="leave the embedded servers running")
    parser.add_argument("--no-write", action="store_true", help="print only (a quick look)")
    parser.add_argument(
        "--only",
        help="measure only these targets, comma-separated (e.g. api_key_published,seed_api); print only, "
        "never written: the figures of record measure them all",
    )
    parser.add_argument(
        "--replay-off-too",
        action="store_true",
        help="also serve the product with CONTENT_PAGE_REPLAY=0 and measure its cached page and API-key read "
        "in the same rounds (`*_no_replay`: the replay layer's gain, before/after in one run)",
    )
    parser.add_argument(
        "--keeper-off-too",
        action="store_true",
        help="also serve the product with EVENTS_WEBHOOK_KEEPER=0 and measure its webhook ingest in the same rounds "
        "(`webhook_ingest_no_keeper`: what events.keeper gives, before/after in one run)",
    )
    parser.add_argument(
        "--base", help="also serve this git revision (e.g. main) and measure its webhook ingest in the same rounds"
    )
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else None
    if only is not None:
        unknown = only - TARGETS
        if unknown:
            parser.error(f"--only: unknown target(s) {sorted(unknown)}; use {sorted(TARGETS)}")
        args.no_write = True

    wrk_ensure()
    seed = SeedStack()
    servers: list[Server] = []
    try:
        creds = product_setup()
        from django.db import connections

        connections.close_all()
        print(f"== product servers: granian x2 workers, cache on (+ search model) and cache off ({load_average()})")
        warm = _server(cache=True, warm=True)
        servers.append(warm)
        if only is None or "page_uncached" in only:
            cold = _server(cache=False, warm=False)
            servers.append(cold)
        if args.replay_off_too:
            no_replay = _server(cache=True, warm=False, replay=False)
            servers.append(no_replay)
        if args.keeper_off_too:
            no_keeper = _server(cache=True, warm=False, keeper=False)
            servers.append(no_keeper)
        if args.base:  # bench/faults.py's way: `git archive` of the revision, same venv and database
            base = _server(cache=True, warm=False, cwd=_bench_module("faults").base_tree(args.base))
            servers.append(base)
        _wait_models(warm)
        rss_ready = web_workers_rss(warm)
        print(f"  web workers' RSS with the search model loaded: {[round(r) for r in rss_ready]} MB", flush=True)

        host = {"Host": HOST}
        search_path = "/api/search?q=" + SEARCH_QUERY.replace(" ", "+") + "&limit=10"
        targets = {
            "seed_page": (seed.url("/bench"), {}, None),
            "seed_api": (seed.url("/api/pages/bench"), {}, None),
            "page_cached": (warm.url("/bench/"), host, None),
            "page_uncached": (cold.url("/bench/"), host, None) if only is None or "page_uncached" in only else None,
            "api_jwt": (warm.url("/api/pages/bench"), {**host, "Authorization": creds["jwt"]}, None),
            "api_key_published": (
                warm.url("/api/published/pages/bench"),
                {**host, "Authorization": creds["key"]},
                None,
            ),
            "webhook_ingest": (warm.url("/"), {}, creds["lua"]),
            "search": (warm.url(search_path), {**host, "Authorization": creds["key"]}, None),
            "search_1client": (warm.url(search_path), {**host, "Authorization": creds["key"]}, None),
        }
        if args.base:
            targets["webhook_ingest_base"] = (base.url("/"), {}, creds["lua"])
        if args.keeper_off_too:
            targets["webhook_ingest_no_keeper"] = (no_keeper.url("/"), {}, creds["lua"])
        if args.replay_off_too:
            targets["page_cached_no_replay"] = (no_replay.url("/bench/"), host, None)
            targets["api_key_published_no_replay"] = (
                no_replay.url("/api/published/pages/bench"),
                {**host, "Authorization": creds["key"]},
                None,
            )
        server_of = {"webhook_ingest": warm}  # whose processes serve a webhook target (its CPU)
        if args.keeper_off_too:
            server_of["webhook_ingest_no_keeper"] = no_keeper
        if args.base:
            server_of["webhook_ingest_base"] = base
        if only is not None:
            targets = {
                name: target
                for name, target in targets.items()
                if name.removesuffix("_base")
                .removesuffix("_no_replay")
                .removesuffix("_no_keeper")
                .removesuffix("_1client")
                in only
            }
        for url, headers, script in targets.values():  # warm: connections, caches, code paths
            wrk(url, headers=headers, script=script, seconds=2)
        runs: dict[str, list[dict]] = {name: [] for name in targets}
        loads = [os.getloadavg()[0]]
        print(f"== wrk -t2 -c8 -d{args.duration}s x{args.repeats} rounds, targets alternating ({load_average()})")
        for round_no in range(1, args.repeats + 1):
            for name, (url, headers, script) in targets.items():
                webhooks = name.startswith("webhook_ingest")
                before = _count_webhooks() if webhooks else 0
                clients = SINGLE_CLIENT.get(name, {})
                if webhooks:  # CPU per request: steadier than req/s on a shared machine
                    web_pids = [server_of[name].proc.pid, *_descendants(server_of[name].proc.pid)]
                    cpu_before = (_cpu_seconds(web_pids), _cpu_seconds(_postgres_pids()))
                run = wrk(url, headers=headers, script=script, seconds=args.duration, **clients)
                if webhooks:
                    run["stored"] = _count_webhooks() - before
                    web_cpu = _cpu_seconds(web_pids) - cpu_before[0]
                    pg_cpu = _cpu_seconds(_postgres_pids()) - cpu_before[1]
                    run["web_cpu_ms"] = 1000 * web_cpu / max(run["requests"], 1)
                    run["pg_cpu_ms"] = 1000 * pg_cpu / max(run["requests"], 1)
                runs[name].append(run)
                cpu = f"  CPU/req web {run['web_cpu_ms']:.2f} + pg {run['pg_cpu_ms']:.2f} ms" if webhooks else ""
                print(
                    f"  round {round_no} {name:18s} {run['rps']:9,.0f} req/s  p50 {run['p50_ms']:6.2f} ms{cpu}",
                    flush=True,
                )
            loads.append(os.getloadavg()[0])
            print(f"  after round {round_no}: {load_average()}", flush=True)
        rss_after = web_workers_rss(warm)
        embedding = query_embedding_ms(300) if only is None or "search" in only else None

        figures = {"targets": {}, "ratios": {}, "absolute": {}, "load_1m_per_round": loads}
        for name, results in runs.items():
            figures["targets"][name] = {
                "rps": statistics.median(r["rps"] for r in results),
                "p50_ms": statistics.median(r["p50_ms"] for r in results),
                "p99_ms": statistics.median(r["p99_ms"] for r in results),
                "runs_rps": [round(r["rps"]) for r in results],
            }
        for name, results in runs.items():
            if name.startswith("webhook_ingest"):
                for part in ("web_cpu_ms", "pg_cpu_ms"):
                    figures["targets"][name][part] = statistics.median(r[part] for r in results)
        if "webhook_ingest" in runs:
            figures["targets"]["webhook_ingest"]["stored_equals_requests"] = all(
                r["stored"] >= r["requests"] - 16 for r in runs["webhook_ingest"]
            )
        for name, seed_name in SEED_OF.items():
            if name not in runs or seed_name not in runs:
                continue  # --only left one of them out
            ours, theirs = figures["targets"][name], figures["targets"][seed_name]
            figures["ratios"][name] = {
                "ratio": ours["rps"] / theirs["rps"],
                "goal": GOALS[name],
                "product_rps": ours["rps"],
                "product_p50_ms": ours["p50_ms"],
                "seed": seed_name,
                "seed_rps": theirs["rps"],
                "seed_p50_ms": theirs["p50_ms"],
            }
        for name in ("page_cached", "api_key_published"):
            if f"{name}_no_replay" in runs and name in runs:
                ours, off = figures["targets"][name], figures["targets"][f"{name}_no_replay"]
                figures.setdefault("replay", {})[name] = {
                    "replay_rps": ours["rps"],
                    "no_replay_rps": off["rps"],
                    "replay_over_no_replay": ours["rps"] / off["rps"],
                }
        if {"webhook_ingest", "webhook_ingest_no_keeper"} <= set(runs):
            ours, off = figures["targets"]["webhook_ingest"], figures["targets"]["webhook_ingest_no_keeper"]
            figures["keeper"] = {
                "keeper_rps": ours["rps"],
                "no_keeper_rps": off["rps"],
                "keeper_over_no_keeper": ours["rps"] / off["rps"],
            }
        if args.base and {"webhook_ingest", "webhook_ingest_base", "seed_api"} <= set(runs):
            ours, theirs = figures["targets"]["webhook_ingest"], figures["targets"]["webhook_ingest_base"]
            figures["base"] = {
                "rev": args.base,
                "webhook_ingest_this_rps": ours["rps"],
                "webhook_ingest_base_rps": theirs["rps"],
                "this_over_base": ours["rps"] / theirs["rps"],
                "base_ratio_to_seed": theirs["rps"] / figures["targets"]["seed_api"]["rps"],
            }
        if "search_1client" in runs:
            figures["absolute"]["search_p50_ms"] = {
                "value": figures["targets"]["search_1client"]["p50_ms"],
                "goal": GOALS["search_p50_ms"],
                "clients": 1,
                "c8_p50_ms": figures["targets"]["search"]["p50_ms"],
                "c8_rps": figures["targets"]["search"]["rps"],
            }
        if embedding is not None:
            figures["absolute"]["query_embedding_p50_ms"] = {
                "value": embedding["p50_ms"],
                "goal": GOALS["query_embedding_p50_ms"],
                "precision": embedding["precision"],
                "other_precisions_p50_ms": embedding["other_precisions_p50_ms"],
            }
        figures["absolute"]["web_worker_rss_mb"] = {
            "value": max(rss_ready + rss_after),
            "goal": GOALS["web_worker_rss_mb"],
            "ready": rss_ready,
            "after_load": rss_after,
        }
        figures["method"] = {
            "wrk": f"-t2 -c8 --latency, {args.duration} s x {args.repeats} rounds, medians",
            "product_server": "granian --interface wsgi --workers 2",
            "seed_server": "uvicorn --workers 2 (uvloop, httptools), asyncpg pool 4 per worker",
        }

        print(f"\n== product / seed stack, same run ({load_average()})")
        print(f"  {'target':18s} {'product req/s':>14s} {'p50':>8s} {'seed req/s':>11s} {'p50':>8s} {'ratio':>6s} goal")
        for name, row in figures["ratios"].items():
            met = "met" if row["ratio"] >= row["goal"] else "MISSED"
            print(
                f"  {name:18s} {row['product_rps']:14,.0f} {row['product_p50_ms']:6.2f}ms {row['seed_rps']:11,.0f}"
                f" {row['seed_p50_ms']:6.2f}ms {row['ratio']:5.2f}x >= {row['goal']}x {met}"
            )
        for name, row in figures["absolute"].items():
            met = "met" if row["value"] <= row["goal"] else "MISSED"
            print(f"  {name:24s} {row['value']:8.2f} (goal <= {row['goal']}) {met}")
        if "webhook_ingest" in runs:
            stored = figures["targets"]["webhook_ingest"]["stored_equals_requests"]
            print(f"  webhook rows stored = requests: {stored}")
        for name, row in figures.get("replay", {}).items():
            print(
                f"  {name}: replayed {row['replay_rps']:,.0f} req/s, CONTENT_PAGE_REPLAY=0 {row['no_replay_rps']:,.0f}"
                f" req/s: {row['replay_over_no_replay']:.2f}x"
            )
        for name, row in figures["targets"].items():
            if "web_cpu_ms" in row:
                print(
                    f"  {name}: CPU per request web {row['web_cpu_ms']:.2f} ms + PostgreSQL {row['pg_cpu_ms']:.2f} ms"
                )
        if "keeper" in figures:
            k = figures["keeper"]
            print(
                f"  webhook ingest: keeper {k['keeper_rps']:,.0f} req/s, EVENTS_WEBHOOK_KEEPER=0"
                f" {k['no_keeper_rps']:,.0f} req/s: {k['keeper_over_no_keeper']:.2f}x"
            )
        if "base" in figures:
            b = figures["base"]
            print(
                f"  webhook ingest, {args.base}: {b['webhook_ingest_base_rps']:,.0f} req/s"
                f" ({b['base_ratio_to_seed']:.2f}x the seed stack); this checkout / {args.base}"
                f" {b['this_over_base']:.2f}x"
            )
        if not args.no_write:
            results_write("compare", figures)
    finally:
        for server in servers:
            server.stop()
        seed.stop()
        try:
            _bench_module("events").webhook_cleanup(TENANT)
        except Exception as exc:  # noqa: BLE001 (a failed setup has nothing to clean)
            print(f"cleanup skipped: {exc}")
        from _common import services_stop

        services_stop(keep=args.keep_services)
    return 0


if __name__ == "__main__":
    sys.exit(main())
