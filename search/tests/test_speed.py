"""The search's hot path: a repeated query's vector from this process's memory (kept per
tenant), and the statement prepared once per connection, run with its settings in one
round trip (the autocommit path of production is in test_plan.py, on committed rows)."""

import numpy as np
import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import override_settings
from django_tenants.utils import tenant_context

from search import selectors
from search.embedders import HttpEmbedder
from search.models import Chunk
from search.selectors import Mode, query_embedding, search_pages, search_params, search_session_settings, search_sql
from search.tests.test_embedders import EmbeddingsServer
from search.tests.utils import heading, page_publish_indexed, paragraph


@pytest.fixture
def server():
    running = EmbeddingsServer()
    yield running
    running.close()


def test_a_repeated_query_vector_comes_from_memory_kept_per_tenant(server, tenant_a, tenant_b):
    embedder = HttpEmbedder(url=server.url)
    with tenant_context(tenant_a):
        first = query_embedding("opening hours", embedder=embedder)
        cache.clear()  # so the second one is not Redis's either
        again = query_embedding("opening hours", embedder=embedder)
    assert len(server.requests) == 1
    assert again == pytest.approx(first, rel=1e-6)
    with tenant_context(tenant_b):  # the same words asked of another tenant: not tenant a's entry
        other = query_embedding("opening hours", embedder=embedder)
    assert len(server.requests) == 2
    assert other == pytest.approx(first, rel=1e-6)


def test_the_memory_keeps_the_most_recent_and_can_be_off(server, tenant_a):
    embedder = HttpEmbedder(url=server.url)
    with tenant_context(tenant_a), override_settings(SEARCH_QUERY_MEMORY_CACHE=2):
        for text in ("one", "two", "three"):
            query_embedding(text, embedder=embedder)
        query_embedding("two", embedder=embedder)  # now the most recent
        cache.clear()
        query_embedding("three", embedder=embedder)
        query_embedding("two", embedder=embedder)
        assert len(server.requests) == 3
        query_embedding("one", embedder=embedder)  # the least recent: dropped
        assert len(server.requests) == 4
    with tenant_context(tenant_a), override_settings(SEARCH_QUERY_MEMORY_CACHE=0):
        query_embedding("four", embedder=embedder)
        cache.clear()
        query_embedding("four", embedder=embedder)
        assert len(server.requests) == 6


@pytest.fixture
def shop(tenant_a, embedder):
    pages = {
        "care": [heading("Machine care"), paragraph("Our espresso machines are descaled every week with citric acid.")],
        "beans": [heading("Beans"), paragraph("The Guji beans are roasted on Tuesdays and cost 14 euros a bag.")],
        "jobs": [heading("Jobs"), paragraph("We hire baristas in spring; write to jobs@shop.example.")],
    }
    for slug, blocks in pages.items():
        page_publish_indexed(tenant_a, slug=slug, title=slug.title(), blocks=blocks, embedder=embedder)
    return tenant_a


def _plain_rows(mode: Mode, query: str, embedder) -> list[tuple]:
    """The statement as the benchmark and EXPLAIN run it: settings, then the SQL text."""
    vector = query_embedding(query, embedder=embedder) if mode != Mode.KEYWORD else None
    with transaction.atomic(), connection.cursor() as cursor:
        search_session_settings(cursor)
        cursor.execute(search_sql(mode), search_params(query=query, mode=mode, limit=10, vector=vector))
        return cursor.fetchall()


@pytest.mark.parametrize("mode", list(Mode))
def test_the_prepared_statement_answers_what_the_statement_does(shop, embedder, mode):
    with tenant_context(shop):
        for query in ("descaling the espresso machine", "Guji price", "work as a barista"):
            vector = query_embedding(query, embedder=embedder) if mode != Mode.KEYWORD else None
            params = search_params(query=query, mode=mode, limit=10, vector=vector)
            prepared = selectors._search_rows(search_sql(mode), params)
            assert prepared, query
            assert prepared == _plain_rows(mode, query, embedder), query


def test_a_dropped_prepared_statement_is_prepared_again_inside_a_transaction(shop, embedder):
    with tenant_context(shop):
        before = [hit.slug for hit in search_pages(query="Guji beans price", embedder=embedder)]
        with connection.cursor() as cursor:
            cursor.execute("DEALLOCATE ALL")
        after = [hit.slug for hit in search_pages(query="Guji beans price", embedder=embedder)]
        # The caller's transaction is still usable: the failed EXECUTE was in a savepoint.
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM content_page")
            assert cursor.fetchone() == (3,)
    assert before and after == before


def test_scores_are_the_full_precision_similarity_whatever_the_index_type(shop, embedder):
    """The nearest-chunk scan orders by the HNSW index's expression (a halfvec index: 16-bit
    floats), but a chunk's similarity is the cosine of its stored 32-bit vector and the
    query's: the floors and the background gate decide on the same numbers as before."""
    query = "when are the beans roasted"
    vector = np.asarray(query_embedding(query, embedder=embedder), dtype=np.float64)
    with tenant_context(shop):
        params = search_params(query=query, mode=Mode.SEMANTIC, limit=10, vector=None)
        params["vector"] = selectors._vector_literal(vector.tolist())
        params["min_score"] = -1.0
        rows = selectors._search_rows(search_sql(Mode.SEMANTIC), params)
        stored = {c.pk: c for c in Chunk.objects.filter(pk__in=[row[3] for row in rows])}
    checked = 0
    for row in rows:
        chunk = stored[row[3]]
        if chunk.sentence_embeddings:  # re-scored by its (16-bit) sentence vectors too
            continue
        embedding = np.asarray(chunk.embedding, dtype=np.float64)
        exact = float(embedding @ vector / (np.linalg.norm(embedding) * np.linalg.norm(vector)))
        assert row[4] == pytest.approx(exact, abs=1e-6), chunk.text
        checked += 1
    assert checked >= 2, rows
