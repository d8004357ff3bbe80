"""The shipped statement uses the HNSW index at the shipped ef_search.

pgvector's cost estimate grows with hnsw.ef_search, and a cached plan is not re-planned
after a SET: past some value the planner silently prefers a sequential scan plus sort.
This checks the real plan of the real statement on 20,000 rows (below a few
thousand rows a sequential scan is rightly cheaper, and exact)."""

import pytest
from django.conf import settings
from django.db import connection, transaction
from django_tenants.utils import tenant_context

from content.models import Page
from search.models import hnsw_index_create_sql
from search.selectors import Mode, search_params, search_session_settings, search_sql

ROWS = 20_000


@pytest.fixture(scope="module")
def many_chunks(django_db_setup, django_db_blocker):
    """Committed once for the module (building the index costs seconds), removed after."""
    from tenants.models import Tenant

    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        tenant_a = Tenant.objects.get(schema_name="alpha")
        _load(tenant_a)
        yield tenant_a
        with tenant_context(tenant_a), connection.cursor() as cursor:
            # Plain SQL: the ORM's cascade would load 20k chunks (vectors) to delete them.
            cursor.execute(
                "DELETE FROM search_chunk WHERE page_id IN (SELECT id FROM content_page WHERE slug LIKE 'plan-%%')"
            )
            cursor.execute("DELETE FROM content_page WHERE slug LIKE 'plan-%%'")
            # Statistics of the emptied table (reltuples 0): the 20k rows' lexeme counts
            # must not be the keyword weights of the tests that follow in this tenant.
            cursor.execute("ANALYZE search_chunk")


def _load(tenant_a):
    with tenant_context(tenant_a):
        pages = Page.objects.bulk_create(
            Page(slug=f"plan-{i}", title=f"P{i}", published_title=f"P{i}", status=Page.Status.PUBLISHED)
            for i in range(40)
        )
        with connection.cursor() as cursor:
            # Bulk load then build, as a reindex of a big tenant would (inserting row by
            # row into the HNSW index is ~10x slower).
            cursor.execute("DROP INDEX search_chunk_embedding_hnsw")
            cursor.execute(
                """
                INSERT INTO search_chunk (page_id, position, text, content_hash, embedding, embedded_at)
                SELECT (%s::bigint[])[1 + g %% 40], g / 40, 'chunk number ' || g || ' about refunds and parcels',
                       md5(g::text),
                       (SELECT array_agg(random() - 0.5) FROM generate_series(1, %s) d WHERE g > 0)::vector, now()
                FROM generate_series(1, %s) g
                """,
                [[page.pk for page in pages], settings.SEARCH_DIMENSIONS, ROWS],
            )
            cursor.execute(hnsw_index_create_sql())
            cursor.execute("ANALYZE search_chunk; ANALYZE content_page")


# django_db: pytest-django creates the test databases only for runs holding a test that
# asks for them; the leak test below must run in autocommit, outside that transaction.
@pytest.mark.django_db
@pytest.mark.parametrize("mode", [Mode.HYBRID, Mode.SEMANTIC])
def test_plan_uses_the_hnsw_index_at_the_shipped_ef_search(many_chunks, mode):
    vector = [0.01] * settings.SEARCH_DIMENSIONS
    params = search_params(query="refunds", mode=mode, limit=10, vector=vector)
    with tenant_context(many_chunks), transaction.atomic(), connection.cursor() as cursor:
        search_session_settings(cursor)
        cursor.execute("SHOW hnsw.ef_search")
        assert cursor.fetchone()[0] == str(settings.SEARCH_EF_SEARCH)
        cursor.execute("EXPLAIN " + search_sql(mode), params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Scan using search_chunk_embedding_hnsw" in plan, plan


def test_settings_do_not_leak_out_of_the_query(many_chunks, django_db_blocker, embedder):
    """SET LOCAL ends with the query's transaction: a pooled connection serving the
    next request (autocommit, as in production) is back to the defaults."""
    from search.selectors import search_pages

    with django_db_blocker.unblock():
        with tenant_context(many_chunks):
            assert search_pages(query="refunds", embedder=embedder)
            with connection.cursor() as cursor:
                cursor.execute("SHOW hnsw.iterative_scan")
                assert cursor.fetchone()[0] == "off"


def _prepared_plan(tenant, mode: Mode, plan_cache_mode: str) -> str:
    """EXPLAIN of the prepared statement search_pages EXECUTEs, under a plan cache mode:
    PostgreSQL plans the first five EXECUTEs for their parameters, then may keep one
    generic plan; both must use the index."""
    from search import selectors

    vector = [0.01] * settings.SEARCH_DIMENSIONS
    params = search_params(query="refunds", mode=mode, limit=10, vector=vector)
    statement = selectors._prepared(search_sql(mode), params)
    with tenant_context(tenant), transaction.atomic(), connection.cursor() as cursor:
        selectors._search_rows(search_sql(mode), params)  # prepared on this connection
        search_session_settings(cursor)
        cursor.execute("SELECT set_config('plan_cache_mode', %s, true)", [plan_cache_mode])
        cursor.execute("EXPLAIN " + statement.execute, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.django_db
@pytest.mark.parametrize("plan_cache_mode", ["force_custom_plan", "force_generic_plan"])
@pytest.mark.parametrize("mode", [Mode.HYBRID, Mode.SEMANTIC])
def test_the_prepared_statement_uses_the_hnsw_index_generic_or_custom(many_chunks, mode, plan_cache_mode):
    plan = _prepared_plan(many_chunks, mode, plan_cache_mode)
    assert "Index Scan using search_chunk_embedding_hnsw" in plan, plan


def test_a_search_is_one_round_trip(many_chunks, django_db_blocker, embedder, django_assert_max_num_queries, settings):
    """In autocommit, as a request runs it: the settings and the EXECUTE in one string,
    PREPARE added to it on the connection's first search only; nothing before or after.
    (The generated pages match any question weakly, so the gate's rare-word veto would ask
    the site's vocabulary too: off here; test_background counts that statement.)"""
    from search.selectors import search_pages

    settings.SEARCH_RARE_WORD_ZIPF = 0
    with django_db_blocker.unblock(), tenant_context(many_chunks):
        first = search_pages(query="refunds", embedder=embedder)  # prepares, and sets search_path
        with django_assert_max_num_queries(1) as captured:
            again = search_pages(query="refunds", embedder=embedder)
        assert [hit.chunk_id for hit in again] == [hit.chunk_id for hit in first] and first
        assert captured.captured_queries[0]["sql"].count("EXECUTE search_") == 1
        assert "PREPARE" not in captured.captured_queries[0]["sql"]


def test_a_dropped_prepared_statement_is_prepared_again(many_chunks, django_db_blocker, embedder):
    from search.selectors import search_pages

    with django_db_blocker.unblock(), tenant_context(many_chunks):
        before = [hit.chunk_id for hit in search_pages(query="refunds", embedder=embedder)]
        with connection.cursor() as cursor:
            cursor.execute("DEALLOCATE ALL")
        after = [hit.chunk_id for hit in search_pages(query="refunds", embedder=embedder)]
    assert before and after == before


@pytest.mark.django_db
def test_every_tenant_has_the_shipped_hnsw_index(tenant_a, tenant_b):
    """Migration 0003 rebuilt the index in every tenant's schema as search.models defines it
    (the expression the statement orders by: search.selectors.ann_distance_sql)."""
    from search.models import HNSW_EF_CONSTRUCTION, HNSW_INDEX_NAME, HNSW_M, HNSW_TYPE

    schemas = [tenant_a.schema_name, tenant_b.schema_name]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT schemaname, indexdef FROM pg_indexes WHERE indexname = %s AND schemaname = ANY(%s)",
            [HNSW_INDEX_NAME, schemas],
        )
        definitions = dict(cursor.fetchall())
    assert sorted(definitions) == sorted(schemas)
    for definition in definitions.values():
        assert f"((embedding)::{HNSW_TYPE}({settings.SEARCH_DIMENSIONS})) {HNSW_TYPE}_cosine_ops" in definition
        assert f"m='{HNSW_M}', ef_construction='{HNSW_EF_CONSTRUCTION}'" in definition
