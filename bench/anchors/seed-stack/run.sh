#!/usr/bin/env bash
# Performance anchor: FastAPI + asyncpg, every page one row of caw_content (slug, title, blocks jsonb,
# nav jsonb), SSR by a block-type -> render-function map, per request, no cache.
# Endpoints: /hello (ceiling), /bench (HTML), /api/pages/bench (JSON). Embedded PostgreSQL 18.
#
# usage: bash run.sh
# knobs (env): WORKERS=2 ROUNDS=3 DURATION=15s THREADS=2 CONNS=8 PORT=8812 POOL=4 (per worker)
#              POOL_RESET=stock (none = skip asyncpg's reset query on release)
#              SETSID=1 (uvicorn in its own session, as a service manager would start it;
#                        0 = in this script's session, beside wrk)
#              WAIT_QUIET=600 MAX_OTHER=0.3 (see bench.py)  KEEP_PG=0 (1 = leave Postgres running)
#              SETUP_ONLY=0 (1 = venv, wrk, PostgreSQL started and seeded, then exit leaving it
#                            running: bench/compare.py serves and measures it beside the product)
set -euo pipefail
# The product's copy (bench/anchors/seed-stack): the page is the product's own fixture, and
# the writable working copy (venv, data, results) lives in the product's .data/ (ignored by git).
SRC=$(cd "$(dirname "$0")" && pwd)
PAGE=${PAGE:-$SRC/../../../content/fixtures/page20.json}
WORK=${ANCHOR_WORK:-$SRC/../../../.data/anchors/seed-stack}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
if [ "$SRC" != "$WORK" ]; then
  cp "$SRC"/*.py "$SRC"/*.sh "$SRC"/requirements.lock.txt "$WORK"/
  ANCHOR_WORK=$WORK PAGE=$(cd "$(dirname "$PAGE")" && pwd)/$(basename "$PAGE") exec bash "$WORK/run.sh" "$@"
fi
cd "$WORK"

WORKERS=${WORKERS:-2}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-15s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-8}
PORT=${PORT:-8812}
POOL=${POOL:-4}
POOL_RESET=${POOL_RESET:-stock}
SETSID=${SETSID:-1}
WAIT_QUIET=${WAIT_QUIET:-600}
MAX_OTHER=${MAX_OTHER:-0.3}
KEEP_PG=${KEEP_PG:-0}
export PYTHONWARNINGS=ignore PYTHONDONTWRITEBYTECODE=1
PY=.venv/bin/python
BASE=http://127.0.0.1:$PORT

# --- environment (only installs what is missing) ---
if [ ! -x "$PY" ]; then
  python3 -m venv .venv
  .venv/bin/pip install -q -r requirements.lock.txt
fi
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
SETUP_ONLY=${SETUP_ONLY:-0}
[ "$SETUP_ONLY" = 1 ] && KEEP_PG=1

mkdir -p results
LOG=results/run-$(date -u +%Y%m%dT%H%M%SZ)-w$WORKERS-pool$POOL$([ "$POOL_RESET" = stock ] || echo "-reset$POOL_RESET")$([ "$SETSID" = 1 ] || echo "-samesession").txt
exec > >(tee "$LOG") 2>&1

UPID=""
PG_STARTED=0
cleanup() {
  if [ -n "$UPID" ] && kill -0 "$UPID" 2>/dev/null; then
    kill -TERM "$UPID"; wait "$UPID" 2>/dev/null || true; echo "uvicorn stopped (pid $UPID)"
  fi
  if [ "$PG_STARTED" = 1 ] && [ "$KEEP_PG" != 1 ]; then "$PY" pg.py stop; fi
}
trap cleanup EXIT

# --- database ---
case "$("$PY" pg.py start)" in
  started) PG_STARTED=1 ;;
  *) echo "postgres was already running: leaving it running at the end" ;;
esac
PGPID=$("$PY" pg.py pid)
echo "postgres: $("$PY" pg.py status) (pid $PGPID, unix socket, data .data/pg)"
"$PY" pg.py seed "$PAGE"
export CAW_DSN=$("$PY" pg.py dsn) CAW_POOL_SIZE=$POOL CAW_POOL_RESET=$POOL_RESET
if [ "$SETUP_ONLY" = 1 ]; then echo "work copy: $WORK"; echo "dsn: $CAW_DSN"; exit 0; fi

# --- versions / setup ---
echo "python $("$PY" -c 'import sys;print(sys.version.split()[0])'), $("$PY" -c 'import fastapi,starlette,uvicorn,asyncpg,uvloop,httptools,pydantic;print(f"fastapi {fastapi.__version__}, starlette {starlette.__version__}, uvicorn {uvicorn.__version__}, uvloop {uvloop.__version__}, httptools {httptools.__version__}, asyncpg {asyncpg.__version__}, pydantic {pydantic.VERSION}")'), $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)"
echo "kernel $(uname -r), sched_autogroup_enabled=$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null || echo n/a)"
echo "cpus: $(nproc)  uvicorn: $WORKERS workers (uvloop, httptools, no access log, $([ "$SETSID" = 1 ] && echo "own session" || echo "same session as wrk"))  asyncpg pool: $POOL per worker (reset: $POOL_RESET)  wrk: -t$THREADS -c$CONNS -d$DURATION x $ROUNDS rounds"

# --- in-process: sizes, DB fetch, render, JSON, whole ASGI requests (no HTTP) ---
[ "$WAIT_QUIET" = 0 ] || "$PY" bench.py --wait-only --pg-pid "$PGPID" --wait-quiet "$WAIT_QUIET" --max-other "$MAX_OTHER"
"$PY" check.py --slug bench

# --- server ---
# Own session by default: Linux autogroup (sched_autogroup_enabled=1 here) then schedules uvicorn apart
# from wrk, as it would be under a service manager. In one session with wrk, Postgres backends (each
# its own session) were starved for 0.3-1.5 s at times under full load (seen with perf sched),
# which put p99 at hundreds of ms in some runs. See README.md.
[ "$SETSID" = 1 ] && LAUNCH=(setsid) || LAUNCH=()
${LAUNCH[@]+"${LAUNCH[@]}"} .venv/bin/uvicorn app:app --host 127.0.0.1 --port "$PORT" --workers "$WORKERS" \
  --loop uvloop --http httptools --no-access-log --log-level warning &
UPID=$!
sleep 0.2
ps -o args= -p "$UPID" | grep -q uvicorn || { echo "pid $UPID is not uvicorn"; exit 1; }
for _ in $(seq 1 100); do curl -fs -o /dev/null "$BASE/hello" && break; sleep 0.1; done
for p in /bench /api/pages/bench; do
  curl -fs -o /dev/null "$BASE$p" || { echo "uvicorn not serving $p"; exit 1; }
done
echo "served bytes: /hello $(curl -fs "$BASE/hello" | wc -c), /bench $(curl -fs "$BASE/bench" | wc -c), /api/pages/bench $(curl -fs "$BASE/api/pages/bench" | wc -c)"

# --- load ---
"$PY" bench.py "$BASE" --rounds "$ROUNDS" --duration "$DURATION" --threads "$THREADS" --conns "$CONNS" \
  --server-pid "$UPID" --pg-pid "$PGPID" --wait-quiet "$WAIT_QUIET" --max-other "$MAX_OTHER" --workers "$WORKERS"
echo "log: $LOG"
