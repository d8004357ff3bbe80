"""The hybrid statement as issue 6 shipped it (reciprocal rank fusion, k 60, keyword
ranks by ts_rank_cd, the snippet from the chunk's first words), frozen here so that
bench/search.py can time the fusion that replaced it in the same run, query by query.
Only the benchmark reads it."""

import re

from django.conf import settings

from search.models import HNSW_TYPE, SEARCH_CONFIG

_WORD_RE = re.compile(r"[^\W_]+")

_SQL = """
WITH common AS (
    SELECT u.lexeme, u.freq * greatest(cl.reltuples, 0) AS matches
    FROM pg_stats s
    JOIN pg_class cl ON cl.relname = s.tablename AND cl.relnamespace = current_schema()::regnamespace,
         unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS u(lexeme, freq)
    WHERE s.schemaname = current_schema() AND s.tablename = 'search_chunk' AND s.attname = 'search_vector'
),
terms AS (
    SELECT t.lexeme, coalesce(c.matches, 0) AS matches,
           row_number() OVER (ORDER BY coalesce(c.matches, 0), t.lexeme) AS rarity
    FROM unnest(to_tsvector(%(config)s::regconfig, %(words)s)) t
    LEFT JOIN common c ON c.lexeme = t.lexeme
),
q AS (
    SELECT coalesce(
        string_agg(quote_literal(lexeme), ' | ') FILTER (WHERE matches <= %(max_matches)s OR rarity = 1), ''
    )::tsquery AS query
    FROM terms
),
semantic AS (
    SELECT id, row_number() OVER (ORDER BY distance, id) AS rank
    FROM (
        SELECT c.id, c.embedding::{ann}({dimensions}) <=> %(vector)s::{ann}({dimensions}) AS distance
        FROM search_chunk c JOIN content_page p ON p.id = c.page_id
        WHERE p.status = 'published'
        ORDER BY distance
        LIMIT %(candidates)s
    ) nearest
),
keyword AS (
    SELECT id, row_number() OVER (ORDER BY score DESC, id) AS rank
    FROM (
        SELECT m.id, ts_rank_cd(m.search_vector, q.query) AS score
        FROM (
            SELECT c.id, c.search_vector
            FROM search_chunk c JOIN content_page p ON p.id = c.page_id, q
            WHERE c.search_vector @@ q.query AND p.status = 'published'
            LIMIT %(keyword_cap)s
        ) m, q
        ORDER BY score DESC
        LIMIT %(candidates)s
    ) ranked
),
fused AS (
    SELECT id, sum(weight / (60 + rank)) AS score
    FROM (SELECT id, rank, 1.0 AS weight FROM semantic UNION ALL SELECT id, rank, 1.0 AS weight FROM keyword) r
    GROUP BY id
),
best AS (
    SELECT DISTINCT ON (c.page_id) c.page_id, c.id, c.text, f.score
    FROM fused f JOIN search_chunk c ON c.id = f.id
    ORDER BY c.page_id, f.score DESC, c.position
)
SELECT b.page_id, p.slug, p.published_title, b.id, b.score::float8,
       ts_headline(%(config)s::regconfig, substr(b.text, strpos(b.text, E'\\n') + 1), q.query, %(headline)s)
FROM best b JOIN content_page p ON p.id = b.page_id, q
ORDER BY b.score DESC, b.page_id
LIMIT %(limit)s
"""


def rrf_sql() -> str:
    # Its nearest-chunk scan on today's HNSW index (search.models: halfvec since
    # migration 0003), so the comparison is of the fusion, not of the index.
    return _SQL.replace("{dimensions}", str(int(settings.SEARCH_DIMENSIONS))).replace("{ann}", HNSW_TYPE)


def rrf_params(*, query: str, vector: str, limit: int, headline: str) -> dict:
    return {
        "config": SEARCH_CONFIG,
        "words": " ".join(_WORD_RE.findall(query)),
        "max_matches": settings.SEARCH_KEYWORD_MAX_MATCHES,
        "vector": vector,
        "candidates": max(settings.SEARCH_CANDIDATES, limit),
        "keyword_cap": settings.SEARCH_KEYWORD_CAP,
        "headline": headline,
        "limit": limit,
    }
