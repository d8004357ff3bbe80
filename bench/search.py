"""Search benchmark: 100,000 chunks in one tenant, hybrid / semantic / keyword latency,
the hybrid statement against issue 6's reciprocal-rank-fusion one query by query (what
the scoring and sentence vectors cost), HNSW recall@10 against an exact scan at the
shipped ef_search, embedding throughput and the demo tenants' full reindex time.

    .venv/bin/python bench/search.py [--chunks 100000] [--queries 200] [--rounds 3] [--data-only]

Runs on the demo's embedded PostgreSQL (.data/, or DATABASE_URL) in a tenant of its own
(`benchsearch`), created once and reused. Vectors: 2,000 base sentences are generated
from a topic vocabulary and embedded with the real model once; each chunk is a base
vector plus Gaussian noise (sigma 0.04 per dimension, then normalised), so the data has
the clustered shape of real text embeddings rather than uniform random points (which
are the HNSW worst case). Chunk texts are the base sentence plus words drawn from the
same vocabulary, so common words match thousands of chunks like in real sites. Each
chunk also gets SENTENCES_PER_CHUNK sentence vectors (the vectors of its neighbouring
chunks, so they are real embeddings of other text), as page_index stores for a chunk
of several sentences: re-scoring candidates by their sentences is part of what is timed.

The three modes run interleaved, query by query in a rotating order, so a load that
comes and goes (other work on a shared machine) weighs on each alike; the fusion's cost
is hybrid minus semantic on the same query, its median over every query and round.
Hybrid at the shipped ef_search and at 400 are interleaved the same way. The modes are
timed as search_pages runs them (selectors._search_rows: the prepared statement, its
settings and EXECUTE in one round trip); issue 6's RRF reference is planned per query.

The query embedding alone is timed for both model precisions (SEARCH_MODEL_PRECISION fp32
and int8), query by query interleaved, and the tokenizer alone.
"""

import argparse
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
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import override_settings  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402
from search_rrf_reference import rrf_params, rrf_sql  # noqa: E402

from content.models import Page  # noqa: E402
from search import selectors  # noqa: E402
from search.embedders import embedder_get  # noqa: E402
from search.models import (  # noqa: E402
    HNSW_EF_CONSTRUCTION,
    HNSW_M,
    HNSW_TYPE,
    Chunk,
    hnsw_expression,
    hnsw_index_create_sql,
)
from search.selectors import Mode, search_pages, search_params, search_session_settings, search_sql  # noqa: E402
from tenants import services as tenant_services  # noqa: E402
from tenants.models import Tenant  # noqa: E402

BENCH_TENANT = "benchsearch"
BASE_SENTENCES = 5000
DATA_VERSION = "v2"  # bump when the generated data changes: the tenant is rebuilt
CHUNKS_PER_PAGE = 20
DRAFT_SHARE = 0.05  # pages whose chunks the published-only filter must drop
NOISE = 0.02  # per dimension: |noise| ~ 0.39, cosine to the base sentence ~ 0.93
SENTENCES_PER_CHUNK = 6

SUBJECTS = [
    "customers",
    "editors",
    "our team",
    "the warehouse",
    "the support desk",
    "a partner",
    "the app",
    "the roaster",
    "the robot arm",
    "a courier",
    "the billing system",
    "the mobile site",
]
VERBS = "ships repairs refunds schedules tracks inspects packs invoices upgrades cancels renews exports".split(" ")
OBJECTS = [
    "orders",
    "parcels",
    "subscriptions",
    "invoices",
    "spare parts",
    "coffee beans",
    "gift cards",
    "user accounts",
    "delivery slots",
    "warranty claims",
    "API keys",
    "product photos",
]
WHEN = [
    "every morning",
    "within two days",
    "on weekends",
    "after payment",
    "before noon",
    "at the end of the month",
    "on request",
    "during holidays",
]
SYLLABLES = "ka lo mi ren dor vex tal sim qua bri zen pol mur gat fen tor lux nad ope ris".split(" ")


def pseudo_words(n: int, rng: random.Random) -> list[str]:
    """Product names, places and jargon: the rare words real sites are full of."""
    words: set[str] = set()
    while len(words) < n:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def sentence(rng: random.Random, names: list[str]) -> str:
    return (
        f"{rng.choice(SUBJECTS).capitalize()} {rng.choice(VERBS)} {rng.choice(OBJECTS)} of the "
        f"{rng.choice(names)} {rng.choice(WHEN)} and {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
    )


def percentile(values, q):
    return float(np.percentile(np.array(values), q))


def tenant_ready(n_chunks: int, embedder) -> Tenant:
    tenant = Tenant.objects.filter(schema_name=BENCH_TENANT).first()
    if tenant is None:
        tenant = tenant_services.tenant_provision(name=BENCH_TENANT, display_name="Search bench")
    with tenant_context(tenant):
        if Chunk.objects.count() == n_chunks and Page.objects.filter(slug="p0", title=DATA_VERSION).exists():
            print(f"reusing {n_chunks} chunks in tenant {BENCH_TENANT}")
            return tenant
        rng = random.Random(6)
        names = pseudo_words(3000, rng)
        filler = pseudo_words(8000, random.Random(7))
        zipf = np.random.default_rng(8)
        texts = [sentence(rng, names) for _ in range(BASE_SENTENCES)]
        started = time.perf_counter()
        base = np.array(embedder.embed(texts), dtype=np.float32)
        print(f"embedded {BASE_SENTENCES} base sentences in {time.perf_counter() - started:.1f}s")
        Chunk.objects.all().delete()
        Page.objects.all().delete()
        n_pages = n_chunks // CHUNKS_PER_PAGE
        pages = Page.objects.bulk_create(
            Page(
                slug=f"p{i}",
                title=DATA_VERSION if i == 0 else f"Page {i}",
                published_title=f"Page {i}",
                status=Page.Status.DRAFT if rng.random() < DRAFT_SHARE else Page.Status.PUBLISHED,
            )
            for i in range(n_pages)
        )
        started = time.perf_counter()
        nprng = np.random.default_rng(6)
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX IF EXISTS search_chunk_embedding_hnsw")
            batch = 5000
            for start in range(0, n_chunks, batch):
                ids = np.arange(start, min(start + batch, n_chunks))
                which = ids % BASE_SENTENCES
                vectors = base[which] + nprng.normal(0, NOISE, (len(ids), base.shape[1])).astype(np.float32)
                vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
                rows = [
                    Chunk(
                        page_id=pages[i // CHUNKS_PER_PAGE].pk,
                        position=i % CHUNKS_PER_PAGE,
                        text=f"{texts[w]}. " + " ".join(filler[min(z, len(filler)) - 1] for z in zipf.zipf(1.3, 40)),
                        content_hash=f"{i:064x}",
                        embedding=v,
                        embedded_at=django.utils.timezone.now(),
                    )
                    for i, w, v in zip(ids.tolist(), which.tolist(), vectors, strict=True)
                ]
                Chunk.objects.bulk_create(rows, batch_size=1000)
            print(f"inserted {n_chunks} chunks in {time.perf_counter() - started:.1f}s")
            started = time.perf_counter()
            cursor.execute("SET maintenance_work_mem = '1GB'")
            cursor.execute(hnsw_index_create_sql())
            cursor.execute("ANALYZE search_chunk; ANALYZE content_page")
            print(
                f"built the HNSW index ({HNSW_TYPE}, m {HNSW_M}, ef_construction {HNSW_EF_CONSTRUCTION}) "
                f"in {time.perf_counter() - started:.1f}s"
            )
    return tenant


def sentences_ready(tenant: Tenant) -> None:
    """Sentence texts and vectors for every chunk (bulk-loaded rows have none)."""
    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM search_chunk WHERE sentence_embeddings IS NULL")
        missing = cursor.fetchone()[0]
        if not missing:
            return
        started = time.perf_counter()
        cursor.execute("SELECT min(id), max(id) FROM search_chunk")
        low, high = cursor.fetchone()
        step = 10_000
        for start in range(low, high + 1, step):
            cursor.execute(
                f"""
                UPDATE search_chunk c SET
                    sentences = ARRAY(
                        SELECT substr(c.text, g * 40 + 1, 40) FROM generate_series(1, {SENTENCES_PER_CHUNK}) g),
                    sentence_embeddings = ARRAY(
                        SELECT o.embedding::halfvec FROM search_chunk o
                        WHERE o.id BETWEEN c.id + 1 AND c.id + {SENTENCES_PER_CHUNK} ORDER BY o.id)
                WHERE c.id BETWEEN %s AND %s
                """,
                [start, start + step - 1],
            )
            print(f"  sentence vectors: {min(start + step - low, high - low + 1)}/{high - low + 1}", flush=True)
        cursor.execute("VACUUM ANALYZE search_chunk")
        print(f"gave {missing} chunks {SENTENCES_PER_CHUNK} sentence vectors in {time.perf_counter() - started:.1f}s")


def _timed_planned(sql: str, params: dict) -> float:
    """One statement planned for this query, in its own transaction after its settings, in ms."""
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        search_session_settings(cursor)
        cursor.execute(sql, params)
        cursor.fetchall()
    return (time.perf_counter() - started) * 1000


def timed_rrf_reference(query: str, vector, limit=10) -> float:
    vector = selectors._vector_literal(vector)
    return _timed_planned(
        rrf_sql(), rrf_params(query=query, vector=vector, limit=limit, headline=selectors._HEADLINE_OPTIONS)
    )


def timed_sql(mode: Mode, query: str, vector, limit=10) -> float:
    """The statement as search_pages runs it (prepared, one round trip), in ms."""
    params = search_params(query=query, mode=mode, limit=limit, vector=vector)
    started = time.perf_counter()
    selectors._search_rows(search_sql(mode), params)
    return (time.perf_counter() - started) * 1000


def prepared_vs_planned(queries: list[str], vectors: list) -> dict:
    """Hybrid as search_pages runs it (prepared, one round trip) against the same statement
    planned for each query after a settings round trip, in a transaction (how it ran before
    issue 12's third session), query by query interleaved: p50s in ms and their ratio."""
    prepared, planned = [], []
    for i, (query, vector) in enumerate(zip(queries, vectors, strict=True)):
        params = search_params(query=query, mode=Mode.HYBRID, limit=10, vector=vector)
        for which in ("prepared", "planned") if i % 2 else ("planned", "prepared"):
            if which == "prepared":
                prepared.append(timed_sql(Mode.HYBRID, query, vector))
            else:
                planned.append(_timed_planned(search_sql(Mode.HYBRID), params))
    return {
        "prepared_p50": percentile(prepared, 50),
        "planned_p50": percentile(planned, 50),
        "planned_over_prepared": percentile(planned, 50) / percentile(prepared, 50),
        "queries": len(queries),
    }


def query_embedding_timings(queries: list[str], rounds: int) -> dict:
    """The query embedding alone (one text, as a search embeds it), p50/p95 in ms, for each
    model precision, query by query interleaved; and the tokenizer alone."""
    from search.embedders import PRECISIONS, LocalEmbedder

    embedders = {precision: LocalEmbedder(precision=precision) for precision in PRECISIONS}
    for embedder in embedders.values():
        embedder.warm()
    times = {precision: [] for precision in embedders}
    cosines = {precision: [] for precision in embedders if precision != "fp32"}
    names = list(embedders)
    for round_ in range(rounds):
        for i, query in enumerate(queries):
            vectors = {}
            shift = (i + round_) % len(names)
            for precision in names[shift:] + names[:shift]:
                started = time.perf_counter()
                vectors[precision] = embedders[precision].embed([query])[0]
                times[precision].append((time.perf_counter() - started) * 1000)
            for precision, values in cosines.items():
                values.append(float(np.dot(vectors["fp32"], vectors[precision])))
    tokenizer = embedders["fp32"]._model[1]
    tokenize = []
    for query in queries:
        started = time.perf_counter()
        tokenizer.encode_batch([query])
        tokenize.append((time.perf_counter() - started) * 1000)
    return {
        **{p: {"p50": percentile(t, 50), "p95": percentile(t, 95)} for p, t in times.items()},
        "tokenize_p50": percentile(tokenize, 50),
        **{
            f"{p}_cosine_to_fp32": {"min": min(values), "median": statistics.median(values)}
            for p, values in cosines.items()
        },
        "queries": len(queries) * rounds,
    }


def nearest_ids(vector, *, exact: bool, k=10) -> list[int]:
    """Exact: the full-precision vectors scanned; else through the HNSW index (its expression,
    search.models: halfvec since migration 0003)."""
    kind = "vector" if exact else HNSW_TYPE
    sql = (
        f"SELECT c.id FROM search_chunk c JOIN content_page p ON p.id = c.page_id WHERE p.status = 'published' "
        f"ORDER BY c.{hnsw_expression(kind)} <=> %s::{kind}({settings.SEARCH_DIMENSIONS}) "
        f"LIMIT {k}"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        search_session_settings(cursor)
        if exact:
            cursor.execute("SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off")
        cursor.execute(sql, [selectors._vector_literal(vector)])
        return [row[0] for row in cursor.fetchall()]


def api_timings(tenant: Tenant, queries: list[str], *, embed_each: bool) -> dict:
    """GET /api/search through Django's whole stack in this process (tenant middleware,
    API key, throttle, ninja, the selector, JSON), p50/p95 in ms. `embed_each`: the query
    vector cache is cleared before each call, so the model runs; otherwise every query was
    asked once before and only the search itself is timed (warm)."""
    from django.core.cache import cache
    from django.test import Client

    from api.services import api_key_create

    with tenant_context(tenant):
        key = api_key_create(name="bench-search", scopes=["search:read"])[1]
    host = tenant.domains.filter(is_primary=True).values_list("domain", flat=True).first()
    # As a proxy in front of the product says it: HTTPS, or the settings redirect (301).
    client = Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Api-Key {key}", HTTP_X_FORWARDED_PROTO="https")
    times = []
    with override_settings(API_RATE_LIMIT_KEY="1000000/m"):
        # Warm: every query once before timing (its vector then comes from the cache).
        for query in queries[:10] if embed_each else dict.fromkeys(queries):
            assert client.get("/api/search", {"q": query}).status_code == 200
        for query in queries:
            if embed_each:
                cache.clear()
                selectors.query_vectors_forget()
            started = time.perf_counter()
            response = client.get("/api/search", {"q": query})
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content
    return {"p50": percentile(times, 50), "p95": percentile(times, 95), "queries": len(times)}


def plan_uses_hnsw(vector) -> str:
    params = search_params(query="orders refunds", mode=Mode.HYBRID, limit=10, vector=vector)
    with transaction.atomic(), connection.cursor() as cursor:
        search_session_settings(cursor)
        cursor.execute("EXPLAIN " + search_sql(Mode.HYBRID), params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return "yes" if "search_chunk_embedding_hnsw" in plan else "NO (sequential scan!)\n" + plan


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--data-only",
        action="store_true",
        help="build (or check) the bench tenant's chunks and stop: bench/search_index.py and later runs reuse them",
    )
    args = parser.parse_args()

    call_command("migrate_schemas", interactive=False, verbosity=0)
    embedder = embedder_get()
    started = time.perf_counter()
    embedder.embed(["load"])
    print(f"model load + first embed: {time.perf_counter() - started:.1f}s")
    tenant = tenant_ready(args.chunks, embedder)
    sentences_ready(tenant)
    if args.data_only:
        print(f"data ready: {args.chunks} chunks in tenant {BENCH_TENANT}")
        return 0
    load_at_start = load_average()
    print(f"== {load_at_start} (2 cores shared)")

    rng = random.Random(42)
    rng_data = random.Random(6)
    names = pseudo_words(3000, rng_data)
    queries = [sentence(rng, names) for _ in range(args.queries)]
    qvectors = embedder.embed(queries)
    print(
        f"ef_search={settings.SEARCH_EF_SEARCH} candidates={settings.SEARCH_CANDIDATES} "
        f"keyword_cap={settings.SEARCH_KEYWORD_CAP} keyword_max_matches={settings.SEARCH_KEYWORD_MAX_MATCHES}"
    )

    with tenant_context(tenant):
        print(f"hybrid plan uses the HNSW index: {plan_uses_hnsw(qvectors[0])}")
        for query, vector in zip(queries[:20], qvectors[:20], strict=True):  # warm the caches
            timed_sql(Mode.HYBRID, query, vector)
        # The three modes interleaved query by query (the order rotating), so the load of
        # the moment weighs on each alike: the fusion's cost is hybrid minus semantic on
        # the same query a few milliseconds apart, its median over every query and round.
        times = {mode: [] for mode in Mode}
        fusion = []
        order = list(Mode)
        for round_ in range(args.rounds):
            for i, (query, vector) in enumerate(zip(queries, qvectors, strict=True)):
                taken = {}
                for mode in order[i % 3 :] + order[: i % 3]:
                    taken[mode] = timed_sql(mode, query, vector if mode != Mode.KEYWORD else None)
                    times[mode].append(taken[mode])
                fusion.append(taken[Mode.HYBRID] - taken[Mode.SEMANTIC])
            print(f"  round {round_ + 1}/{args.rounds}  {load_average()}", flush=True)
        figures = {mode: (percentile(times[mode], 50), percentile(times[mode], 95)) for mode in Mode}
        for mode in Mode:
            print(
                f"{mode.value:9} SQL  p50 {figures[mode][0]:6.2f} ms  p95 {figures[mode][1]:6.2f} ms  "
                f"({args.rounds} rounds x {args.queries} queries, modes interleaved)"
            )
        record_prepared = prepared_vs_planned(queries[:100], qvectors[:100])
        print(
            f"hybrid prepared (one round trip) vs planned per query (+3 round trips), interleaved: p50 "
            f"{record_prepared['prepared_p50']:.2f} vs {record_prepared['planned_p50']:.2f} ms "
            f"({record_prepared['planned_over_prepared']:.2f}x)"
        )
        fusion_cost = {
            "median_difference": percentile(fusion, 50),
            "p50_difference": figures[Mode.HYBRID][0] - figures[Mode.SEMANTIC][0],
        }
        print(
            f"fusion cost (hybrid - semantic, same query): median {fusion_cost['median_difference']:+.2f} ms, "
            f"difference of the p50s {fusion_cost['p50_difference']:+.2f} ms"
        )
        # ef_search: 200 against 400 (and the shipped value), hybrid, interleaved the same
        # way: what the recall below costs.
        ef_times = {ef: [] for ef in sorted({200, 400, settings.SEARCH_EF_SEARCH})}
        for i, (query, vector) in enumerate(zip(queries[:100], qvectors[:100], strict=True)):
            for ef_search in sorted(ef_times, reverse=bool(i % 2)):
                with override_settings(SEARCH_EF_SEARCH=ef_search):
                    ef_times[ef_search].append(timed_sql(Mode.HYBRID, query, vector))
        ef_p50 = {ef: percentile(values, 50) for ef, values in ef_times.items()}
        print("hybrid SQL p50 by ef_search, interleaved: " + ", ".join(f"{ef}: {v:.2f} ms" for ef, v in ef_p50.items()))
        # The same queries through issue 6's RRF statement, each right after the new one:
        # the difference is what the new scoring costs, whatever the load does meanwhile.
        fused, reference, added = [], [], []
        for _ in range(1):
            for query, vector in zip(queries, qvectors, strict=True):
                new, old = timed_sql(Mode.HYBRID, query, vector), timed_rrf_reference(query, vector)
                fused.append(new)
                reference.append(old)
                added.append(new - old)
        versus = {
            "hybrid_p50": percentile(fused, 50),
            "hybrid_p95": percentile(fused, 95),
            "rrf_p50": percentile(reference, 50),
            "rrf_p95": percentile(reference, 95),
            "added_p50": percentile(added, 50),
        }
        print(
            f"hybrid vs issue 6's RRF, same queries interleaved: p50 {versus['hybrid_p50']:.2f} vs "
            f"{versus['rrf_p50']:.2f} ms, p95 {versus['hybrid_p95']:.2f} vs {versus['rrf_p95']:.2f} ms, "
            f"median per-query difference {versus['added_p50']:+.2f} ms"
        )

        record = {
            "chunks": args.chunks,
            "ef_search": settings.SEARCH_EF_SEARCH,
            "sql_ms": {mode.value: {"p50": p50, "p95": p95} for mode, (p50, p95) in figures.items()},
            "hybrid_vs_rrf_ms": versus,
            "fusion_cost_ms": fusion_cost,
            "hybrid_p50_by_ef_search_ms": ef_p50,
            "prepared_vs_planned_ms": record_prepared,
            "load_average_start": load_at_start,
            "recall_at_10": {},
        }
        exact = [nearest_ids(vector, exact=True) for vector in qvectors[:100]]
        for ef_search in sorted({40, 64, 100, 128, 200, 300, 400, settings.SEARCH_EF_SEARCH}):
            with override_settings(SEARCH_EF_SEARCH=ef_search):
                started = time.perf_counter()
                approx = [nearest_ids(vector, exact=False) for vector in qvectors[:100]]
                per_query = (time.perf_counter() - started) * 10
            recall = statistics.mean(len(set(a) & set(e)) / len(e) for a, e in zip(approx, exact, strict=True))
            record["recall_at_10"][ef_search] = {"recall": recall, "ms_per_query": per_query}
            shipped = " (shipped)" if ef_search == settings.SEARCH_EF_SEARCH else ""
            print(f"HNSW recall@10 vs exact, ef_search={ef_search:3}: {recall:.3f} ({per_query:.2f} ms/query){shipped}")

        # End to end through the selector, embedding each (uncached) query with the model.
        from django.core.cache import cache

        times = []
        for query in queries[:100]:
            cache.clear()
            selectors.query_vectors_forget()
            started = time.perf_counter()
            search_pages(query=query + " ?", mode=Mode.HYBRID)
            times.append((time.perf_counter() - started) * 1000)
        record["hybrid_end_to_end_ms"] = {"p50": percentile(times, 50), "p95": percentile(times, 95)}
        print(
            f"hybrid end-to-end incl. query embedding: p50 {percentile(times, 50):.1f} ms  "
            f"p95 {percentile(times, 95):.1f} ms"
        )

    # Through the API: at 100k chunks, warm (the query vectors cached) and with the model
    # run for each query; at demo size (the demo's acme when `bin/run --setup-only` made it,
    # else the quality set's acme, 17 pages: bench/search_quality.py), warm: the warm-up
    # pass puts the four questions' vectors in the cache.
    record["api_ms"] = {"100k_warm": api_timings(tenant, queries[:100], embed_each=False)}
    record["api_ms"]["100k_embedding_each"] = api_timings(tenant, queries[100:200] or queries[:100], embed_each=True)
    demo = Tenant.objects.filter(schema_name__in=["acme", "quality_acme"]).order_by("schema_name").first()
    if demo is not None:
        with tenant_context(demo):
            record["demo_plan_uses_hnsw"] = plan_uses_hnsw(qvectors[0]) == "yes"
            demo_texts = ["robot arm payload", "how do I contact support", "gripper for boxes", "price of the A1"] * 25
            demo_vectors = embedder.embed(demo_texts[:4]) * 25
            record["demo_prepared_vs_planned_ms"] = prepared_vs_planned(demo_texts, demo_vectors)
        d = record["demo_prepared_vs_planned_ms"]
        print(
            f"demo tenant {demo.schema_name}, hybrid prepared vs planned per query, interleaved: p50 "
            f"{d['prepared_p50']:.2f} vs {d['planned_p50']:.2f} ms ({d['planned_over_prepared']:.2f}x)"
        )
        print(
            f"demo tenant {demo.schema_name}: the hybrid plan uses the HNSW index: {record['demo_plan_uses_hnsw']}"
            " (a small table is scanned exactly: ef_search plays no part there)"
        )
        demo_queries = ["robot arm payload", "how do I contact support", "gripper for boxes", "price of the A1"]
        record["api_ms"]["demo_warm"] = api_timings(demo, demo_queries * 25, embed_each=False)
        record["api_ms"]["demo_warm"]["tenant"] = demo.schema_name
    for name, figures in record["api_ms"].items():
        print(f"GET /api/search, {name}: p50 {figures['p50']:.2f} ms  p95 {figures['p95']:.2f} ms")

    record["query_embedding_ms"] = query_embedding_timings(queries[:100], args.rounds)
    e = record["query_embedding_ms"]
    print(
        f"query embedding alone, p50: fp32 {e['fp32']['p50']:.2f} ms, "
        f"int8-outliers {e['int8-outliers']['p50']:.2f} ms, int8 {e['int8']['p50']:.2f} ms "
        f"(interleaved; tokenizer {e['tokenize_p50']:.3f} ms); cosine to fp32 min: "
        f"int8-outliers {e['int8-outliers_cosine_to_fp32']['min']:.4f}, int8 {e['int8_cosine_to_fp32']['min']:.4f}"
    )

    with tenant_context(tenant):
        sample = list(Chunk.objects.values_list("text", flat=True)[:1000])
    sample = [(t + " ") * 3 for t in sample]  # ~150 words, the size of a real chunk
    rates = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        embedder.embed(sample)
        rates.append(len(sample) / (time.perf_counter() - started))
    record["embed_chunks_per_s"] = statistics.median(rates)
    print(f"embedding throughput: {statistics.median(rates):.0f} chunks/s (~150-word chunks, local model)")

    demo = list(Tenant.objects.filter(schema_name__in=["acme", "globex"]))
    for item in demo:
        with tenant_context(item):
            Chunk.objects.all().delete()
        started = time.perf_counter()
        call_command("search_reindex", tenant=item.schema_name)
        record[f"reindex_{item.schema_name}_s"] = time.perf_counter() - started
        print(f"full reindex of {item.schema_name}: {record[f'reindex_{item.schema_name}_s']:.2f}s")
    if not demo:
        print("no demo tenants (run bin/run --setup-only first) for the reindex figure")
    print(f"== done ({load_average()})")
    results_write("search", record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
