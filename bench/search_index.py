"""HNSW index builds compared at 100k chunks: build time, size, recall@10 and the hybrid and
semantic statements' latency at several ef_search, for each vector type (vector, halfvec)
and graph (m, ef_construction).

    .venv/bin/python bench/search_index.py [--variants vector:16:64,halfvec:16:64,halfvec:24:128]
        [--ef 40,64,100,200,400] [--queries 100] [--rounds 2] [--no-write]

Runs on bench/search.py's tenant (`benchsearch`; `bench/search.py --data-only` builds it,
~10 min, once) with its queries. For each variant the HNSW index is dropped, the variant
built (maintenance_work_mem 1 GB, as bench/search.py builds it), measured and dropped; the
shipped index (search.models) is built again at the end, so bench/search.py's data stays as
it expects. Recall@10 is against an exact scan (full-precision vectors, published pages
only); latency is the statement as search_pages runs it (selectors._search_rows: prepared,
one round trip), the ef_search values interleaved query by query, `--rounds` passes.
Variants run one after the other (one index at a time): the load average is printed with
each, and `--repeat-first` measures the first variant again at the end, so the drift of
the load shows.
"""

import argparse
import importlib.util
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from _common import load_average, results_write  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import override_settings  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

from search import selectors  # noqa: E402
from search.embedders import embedder_get  # noqa: E402
from search.models import (  # noqa: E402
    HNSW_EF_CONSTRUCTION,
    HNSW_INDEX_NAME,
    HNSW_M,
    HNSW_TYPE,
    hnsw_expression,
    hnsw_index_create_sql,
)
from search.selectors import Mode, ann_distance_sql, search_params, search_session_settings, search_sql  # noqa: E402
from tenants.models import Tenant  # noqa: E402

# bench/search.py (its tenant, data and queries); loaded by path: `search` is the app.
_spec = importlib.util.spec_from_file_location("bench_search", Path(__file__).with_name("search.py"))
bench_search = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_search)


def percentile(values, q):
    return float(np.percentile(np.array(values), q))


def queries_make(n: int) -> list[str]:
    """bench/search.py's queries (same seeds): sentences of the data's vocabulary."""
    rng = random.Random(42)
    names = bench_search.pseudo_words(3000, random.Random(6))
    return [bench_search.sentence(rng, names) for _ in range(n)]


def index_build(kind: str, m: int, ef_construction: int) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {HNSW_INDEX_NAME}")
        cursor.execute("SET maintenance_work_mem = '1GB'")
        started = time.perf_counter()
        cursor.execute(hnsw_index_create_sql(kind=kind, m=m, ef_construction=ef_construction))
        seconds = time.perf_counter() - started
        cursor.execute("RESET maintenance_work_mem")
        cursor.execute("SELECT pg_relation_size(%s::regclass)", [HNSW_INDEX_NAME])
        size = cursor.fetchone()[0]
        # No ANALYZE: it samples the table again, and the keyword half of the statement
        # follows the lexeme statistics it draws (which words are too common to match).
    return {"build_s": seconds, "size_mb": size / 2**20}


def nearest_ids(literal: str, *, kind: str | None, ef_search: int = 0, k: int = 10) -> list[int]:
    """The k nearest published chunks: exact (kind None: a sequential scan of the full
    vectors) or through the index of `kind` at `ef_search`."""
    dimensions = int(settings.SEARCH_DIMENSIONS)
    distance = (
        ann_distance_sql(kind or "vector")
        .replace("(SELECT h FROM qvec)", f"%(v)s::halfvec({dimensions})")
        .replace("(SELECT v FROM qvec)", f"%(v)s::vector({dimensions})")
    )
    sql = (
        f"SELECT c.id FROM search_chunk c JOIN content_page p ON p.id = c.page_id WHERE p.status = 'published' "
        f"ORDER BY c.{distance} LIMIT {k}"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        with override_settings(SEARCH_EF_SEARCH=ef_search or settings.SEARCH_EF_SEARCH):
            search_session_settings(cursor)
        if kind is None:
            cursor.execute("SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off")
        cursor.execute(sql, {"v": literal})
        return [row[0] for row in cursor.fetchall()]


def timed(mode: Mode, kind: str, query: str, vector, ef_search: int) -> float:
    params = search_params(query=query, mode=mode, limit=10, vector=vector)
    with override_settings(SEARCH_EF_SEARCH=ef_search):
        started = time.perf_counter()
        selectors._search_rows(search_sql(mode, ann=kind), params)
        return (time.perf_counter() - started) * 1000


def plan_uses_index(kind: str, query: str, vector) -> bool:
    params = search_params(query=query, mode=Mode.HYBRID, limit=10, vector=vector)
    with transaction.atomic(), connection.cursor() as cursor:
        search_session_settings(cursor)
        cursor.execute("EXPLAIN " + search_sql(Mode.HYBRID, ann=kind), params)
        return HNSW_INDEX_NAME in "\n".join(row[0] for row in cursor.fetchall())


def variant_measure(spec: str, queries, vectors, literals, exact, ef_values, rounds) -> dict:
    kind, m, ef_construction = spec.split(":")
    m, ef_construction = int(m), int(ef_construction)
    print(f"== {spec}: building ({load_average()})", flush=True)
    record = {"kind": kind, "m": m, "ef_construction": ef_construction, **index_build(kind, m, ef_construction)}
    record["plan_uses_index"] = plan_uses_index(kind, queries[0], vectors[0])
    print(
        f"   built in {record['build_s']:.1f} s, {record['size_mb']:.0f} MB; "
        f"the hybrid plan uses it: {record['plan_uses_index']}",
        flush=True,
    )
    record["recall_at_10"] = {}
    for ef in ef_values:
        approx = [nearest_ids(literal, kind=kind, ef_search=ef) for literal in literals[: len(exact)]]
        record["recall_at_10"][ef] = statistics.mean(
            len(set(a) & set(e)) / len(e) for a, e in zip(approx, exact, strict=True)
        )
    print("   recall@10: " + ", ".join(f"ef {ef}: {r:.3f}" for ef, r in record["recall_at_10"].items()), flush=True)
    for query, vector in zip(queries[:20], vectors[:20], strict=True):  # warm
        timed(Mode.HYBRID, kind, query, vector, max(ef_values))
    times = {(mode, ef): [] for mode in (Mode.HYBRID, Mode.SEMANTIC) for ef in ef_values}
    keys = list(times)
    record["load_average_start"] = load_average()
    for round_ in range(rounds):
        for i, (query, vector) in enumerate(zip(queries, vectors, strict=True)):
            shift = (i + round_) % len(keys)
            for mode, ef in keys[shift:] + keys[:shift]:
                times[(mode, ef)].append(timed(mode, kind, query, vector, ef))
    record["load_average_end"] = load_average()
    record["p50_ms"] = {f"{mode.value}@{ef}": percentile(t, 50) for (mode, ef), t in times.items()}
    record["p95_ms"] = {f"{mode.value}@{ef}": percentile(t, 95) for (mode, ef), t in times.items()}
    for mode in (Mode.HYBRID, Mode.SEMANTIC):
        print(
            f"   {mode.value:8} p50 "
            + ", ".join(f"ef {ef}: {record['p50_ms'][f'{mode.value}@{ef}']:.2f}" for ef in ef_values)
            + " ms",
            flush=True,
        )
    print(f"   ({record['load_average_start']} -> {record['load_average_end']})", flush=True)
    return record


def copy_schema(kind: str, m: int, ef_construction: int) -> str:
    return f"bench_hnsw_{kind}_{m}_{ef_construction}"


def copies_ready(specs: list[str]) -> dict:
    """For --interleaved: a schema per variant holding a copy of the bench tenant's chunks
    and that variant's index (kept between runs: built once). Returns build figures of the
    copies built now."""
    built = {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {bench_search.BENCH_TENANT}.search_chunk")
        n = cursor.fetchone()[0]
        for spec in specs:
            kind, m, efc = spec.split(":")
            schema = copy_schema(kind, int(m), int(efc))
            cursor.execute("SELECT to_regclass(%s)", [f"{schema}.search_chunk"])
            if cursor.fetchone()[0] is not None:
                cursor.execute(f"SELECT count(*) FROM {schema}.search_chunk")
                if cursor.fetchone()[0] == n:
                    print(f"   reusing {schema}", flush=True)
                    continue
            print(f"   copying the chunks into {schema} ({load_average()})", flush=True)
            cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
            cursor.execute(f"CREATE TABLE {schema}.search_chunk AS TABLE {bench_search.BENCH_TENANT}.search_chunk")
            cursor.execute(f"ALTER TABLE {schema}.search_chunk ADD PRIMARY KEY (id)")
            cursor.execute(f"CREATE INDEX ON {schema}.search_chunk USING gin (search_vector)")
            cursor.execute("SET maintenance_work_mem = '1GB'")
            started = time.perf_counter()
            cursor.execute(
                hnsw_index_create_sql(kind=kind, m=int(m), ef_construction=int(efc)).replace(
                    " ON search_chunk ", f" ON {schema}.search_chunk "
                )
            )
            built[spec] = {"build_s": time.perf_counter() - started}
            cursor.execute("RESET maintenance_work_mem")
            cursor.execute("SELECT pg_relation_size(%s::regclass)", [f"{schema}.{HNSW_INDEX_NAME}"])
            built[spec]["size_mb"] = cursor.fetchone()[0] / 2**20
            cursor.execute(f"VACUUM ANALYZE {schema}.search_chunk")
            print(f"   built {spec}: {built[spec]['build_s']:.1f} s, {built[spec]['size_mb']:.0f} MB", flush=True)
    return built


def interleaved(specs: list[str], efs: dict, queries, vectors, rounds: int) -> dict:
    """Each variant's copy on a connection of its own (search_path: the copy, then the bench
    tenant for content_page), the statement prepared there as search_pages prepares it;
    the variants' EXECUTEs interleaved query by query, the order rotating. The semantic
    statement compares the indexes alone; the hybrid one also reads each copy's own lexeme
    statistics (ANALYZE samples differ), so its keyword half differs a little between copies."""
    import psycopg

    conns, prepared = {}, {}
    for spec in specs:
        kind, m, efc = spec.split(":")
        conn = psycopg.connect(**connection.get_connection_params(), autocommit=True)
        conn.execute(f"SET search_path = {copy_schema(kind, int(m), int(efc))}, {bench_search.BENCH_TENANT}, public")
        conns[spec], prepared[spec] = conn, set()

    def run(spec: str, mode: Mode, ef: int, query: str, vector) -> float:
        kind = spec.split(":")[0]
        params = search_params(query=query, mode=mode, limit=10, vector=vector)
        statement = selectors._prepared(search_sql(mode, ann=kind), params)
        parts = [selectors._SESSION_SETTINGS, statement.execute]
        if statement.name not in prepared[spec]:
            parts.insert(0, statement.prepare)
            prepared[spec].add(statement.name)
        started = time.perf_counter()
        with conns[spec].cursor() as cursor:
            cursor.execute(";\n".join(parts), {**params, "ef_search": str(ef)})
            while cursor.nextset():
                pass
            cursor.fetchall()
        return (time.perf_counter() - started) * 1000

    keys = [(spec, mode, ef) for spec in specs for ef in efs[spec] for mode in (Mode.SEMANTIC, Mode.HYBRID)]
    for key in keys:  # prepare and warm
        for query, vector in zip(queries[:10], vectors[:10], strict=True):
            run(*key, query, vector)
    times = {key: [] for key in keys}
    started_load = load_average()
    for round_ in range(rounds):
        for i, (query, vector) in enumerate(zip(queries, vectors, strict=True)):
            shift = (i + round_) % len(keys)
            for key in keys[shift:] + keys[:shift]:
                times[key].append(run(*key, query, vector))
        print(f"   round {round_ + 1}/{rounds} ({load_average()})", flush=True)
    result = {"load_average_start": started_load, "load_average_end": load_average(), "p50_ms": {}, "p95_ms": {}}
    # Recall@10 of each copy's own index (builds differ: a graph's levels are drawn at
    # random) against the exact scan, at the ef_search values timed.
    result["recall_at_10"] = {}
    dimensions = int(settings.SEARCH_DIMENSIONS)
    literals = [selectors._vector_literal(v) for v in vectors[:100]]
    with conns[specs[0]].cursor() as cursor:
        cursor.execute(f"SET search_path = {bench_search.BENCH_TENANT}, public")
        exact = []
        for literal in literals:
            cursor.execute(
                "BEGIN; SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off; "
                "SELECT c.id FROM search_chunk c JOIN content_page p ON p.id = c.page_id WHERE p.status = 'published' "
                f"ORDER BY c.embedding::vector({dimensions}) <=> %(v)s::vector({dimensions}) LIMIT 10",
                {"v": literal},
            )
            while cursor.nextset():
                pass
            exact.append({row[0] for row in cursor.fetchall()})
            cursor.execute("COMMIT")
    for spec in specs:
        kind = spec.split(":")[0]
        for ef in efs[spec]:
            found = []
            with conns[spec].cursor() as cursor:
                for literal in literals:
                    cursor.execute(
                        "BEGIN; SELECT set_config('hnsw.ef_search', %(ef)s, true), "
                        "set_config('hnsw.iterative_scan', 'relaxed_order', true); "
                        "SELECT c.id FROM search_chunk c JOIN content_page p ON p.id = c.page_id "
                        "WHERE p.status = 'published' "
                        f"ORDER BY c.{hnsw_expression(kind)} <=> %(v)s::{kind}({dimensions}) LIMIT 10",
                        {"v": literal, "ef": str(ef)},
                    )
                    while cursor.nextset():
                        pass
                    found.append({row[0] for row in cursor.fetchall()})
                    cursor.execute("COMMIT")
            result["recall_at_10"][f"{spec}@{ef}"] = statistics.mean(
                len(a & e) / len(e) for a, e in zip(found, exact, strict=True)
            )
            print(f"   recall@10 {spec}@{ef}: {result['recall_at_10'][f'{spec}@{ef}']:.3f}", flush=True)
    for conn in conns.values():
        conn.close()
    for (spec, mode, ef), values in times.items():
        result["p50_ms"][f"{spec} {mode.value}@{ef}"] = percentile(values, 50)
        result["p95_ms"][f"{spec} {mode.value}@{ef}"] = percentile(values, 95)
    return result


def side_by_side(spec: str, efs: dict, queries, vectors, rounds: int) -> dict:
    """The shipped index (its ef_search values in efs["shipped"]) and one variant of the other
    vector type, both on the bench tenant's table at once (the planner takes the index whose
    expression the statement orders by), the statements interleaved query by query, the
    order rotating: same table, same statistics, same load."""
    kind, m, efc = spec.split(":")
    assert kind != HNSW_TYPE, "side by side needs the other vector type (one index per expression)"
    name = f"{HNSW_INDEX_NAME}_other"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {name}")
        cursor.execute("SET maintenance_work_mem = '1GB'")
        started = time.perf_counter()
        cursor.execute(
            hnsw_index_create_sql(kind=kind, m=int(m), ef_construction=int(efc)).replace(
                f"INDEX {HNSW_INDEX_NAME} ", f"INDEX {name} "
            )
        )
        build_s = time.perf_counter() - started
        cursor.execute("RESET maintenance_work_mem")
    print(f"   built {spec} beside the shipped index in {build_s:.1f} s", flush=True)
    keys = [(ann, mode, ef) for ann in (HNSW_TYPE, kind) for ef in efs[ann] for mode in (Mode.SEMANTIC, Mode.HYBRID)]
    try:
        for key in keys:  # prepare and warm
            for query, vector in zip(queries[:10], vectors[:10], strict=True):
                timed(key[1], key[0], query, vector, key[2])
        times = {key: [] for key in keys}
        started_load = load_average()
        for round_ in range(rounds):
            for i, (query, vector) in enumerate(zip(queries, vectors, strict=True)):
                shift = (i + round_) % len(keys)
                for ann, mode, ef in keys[shift:] + keys[:shift]:
                    times[(ann, mode, ef)].append(timed(mode, ann, query, vector, ef))
            print(f"   round {round_ + 1}/{rounds} ({load_average()})", flush=True)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
    result = {"other": spec, "build_s": build_s, "load_average_start": started_load, "load_average_end": load_average()}
    result["p50_ms"] = {f"{ann} {mode.value}@{ef}": percentile(t, 50) for (ann, mode, ef), t in times.items()}
    result["p95_ms"] = {f"{ann} {mode.value}@{ef}": percentile(t, 95) for (ann, mode, ef), t in times.items()}
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--variants", default="vector:16:64,halfvec:16:64,halfvec:24:128")
    parser.add_argument("--ef", default="40,64,100,200,400")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--repeat-first", action="store_true", help="measure the first variant again at the end")
    parser.add_argument(
        "--interleaved",
        default="",
        help="kind:m:efc@ef[/ef...],... : each variant in a copy of the chunks (built once, kept), "
        "their statements interleaved query by query; recall and build figures come from the runs above",
    )
    parser.add_argument(
        "--side-by-side",
        default="",
        help="kind:m:efc@ef[/ef...]:shipped_ef[/ef...] : that index built beside the shipped one "
        "(the other vector type), both timed interleaved on the bench tenant",
    )
    parser.add_argument("--no-write", action="store_true", help="print only: docs/bench/search_index.json untouched")
    args = parser.parse_args()
    ef_values = [int(x) for x in args.ef.split(",")]
    variants = args.variants.split(",")
    if args.repeat_first:
        variants.append(variants[0])

    if args.side_by_side:
        tenant = Tenant.objects.get(schema_name=bench_search.BENCH_TENANT)
        queries = queries_make(args.queries)
        vectors = embedder_get().embed(queries)
        spec, other_efs, shipped_efs = args.side_by_side.split("@")[0], *args.side_by_side.split("@")[1].split(":")
        efs = {spec.split(":")[0]: [int(x) for x in other_efs.split("/")]}
        efs[HNSW_TYPE] = [int(x) for x in shipped_efs.split("/")]
        with tenant_context(tenant):
            record = {"side_by_side": side_by_side(spec, efs, queries, vectors, args.rounds)}
        for key, p50 in record["side_by_side"]["p50_ms"].items():
            print(f"   {key:24} p50 {p50:6.2f} ms  p95 {record['side_by_side']['p95_ms'][key]:6.2f} ms")
        print(f"== done ({load_average()})")
        if not args.no_write:
            results_write("search_index_side_by_side", record)
        return 0

    if args.interleaved:
        tenant = Tenant.objects.get(schema_name=bench_search.BENCH_TENANT)
        queries = queries_make(args.queries)
        vectors = embedder_get().embed(queries)
        efs = {}
        for item in args.interleaved.split(","):
            spec, ef_list = item.split("@")
            efs[spec] = [int(x) for x in ef_list.split("/")]
        print(f"copies ({load_average()})", flush=True)
        connection.set_schema_to_public()
        record = {"interleaved": {"builds": copies_ready(list(efs)), "queries": len(queries), "rounds": args.rounds}}
        record["interleaved"].update(interleaved(list(efs), efs, queries, vectors, args.rounds))
        for key, p50 in record["interleaved"]["p50_ms"].items():
            print(f"   {key:32} p50 {p50:6.2f} ms  p95 {record['interleaved']['p95_ms'][key]:6.2f} ms")
        print(f"== done ({load_average()})")
        if not args.no_write:
            results_write("search_index_interleaved", record)
        return 0

    tenant = Tenant.objects.get(schema_name=bench_search.BENCH_TENANT)
    queries = queries_make(args.queries)
    vectors = embedder_get().embed(queries)
    literals = [selectors._vector_literal(v) for v in vectors]
    record = {"variants": [], "queries": len(queries), "rounds": args.rounds, "ef_search": ef_values}
    print(f"{len(queries)} queries, ef_search {ef_values}, {load_average()}")
    try:
        with tenant_context(tenant):
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM search_chunk")
                record["chunks"] = cursor.fetchone()[0]
            exact = [nearest_ids(literal, kind=None) for literal in literals[:100]]
            print(f"exact top-10 of {len(exact)} queries over {record['chunks']} chunks", flush=True)
            for spec in variants:
                record["variants"].append(
                    variant_measure(spec, queries, vectors, literals, exact, ef_values, args.rounds)
                )
    finally:
        with tenant_context(tenant):
            print(f"== rebuilding the shipped index ({HNSW_TYPE}:{HNSW_M}:{HNSW_EF_CONSTRUCTION})", flush=True)
            index_build(HNSW_TYPE, HNSW_M, HNSW_EF_CONSTRUCTION)
    print(f"== done ({load_average()})")
    if not args.no_write:
        results_write("search_index", record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
