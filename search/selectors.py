"""Reads of the search index: one SQL statement per query, over the current tenant.

Tenancy needs no filter here: `search_chunk` and `content_page` resolve in the
request's schema (django-tenants sets search_path), so another tenant's rows are not
even visible to the statement.

Shape of the statement (hybrid):

- `semantic`: top SEARCH_CANDIDATES chunks by cosine distance through the HNSW index,
  joined to published pages. `hnsw.iterative_scan = relaxed_order` (pgvector 0.8) lets
  the index scan continue past ef_search when the join drops rows, so a filter never
  starves the list.
- `keyword`: chunks whose tsvector matches ANY query word (an OR query: a paraphrase
  rarely contains all the words of its answer), at most SEARCH_KEYWORD_CAP of them
  ranked by ts_rank_cd (ranking every match of a common word is the slow tail).
- reciprocal rank fusion, score = sum weight / (k + rank), k = 60, the keyword list
  weighted by SEARCH_KEYWORD_WEIGHT; then the best chunk per page, and `ts_headline`
  for the snippet of the returned rows only.
"""

import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from redis import RedisError

from config.outage import outage_log
from search.embedders import Embedder, embed_checked, embedder_get
from search.models import SEARCH_CONFIG

QUERY_TOO_LONG = "the query is too long: at most {max} characters"
QUERY_MAX_CHARS = 500
LIMIT_MAX = 50

# Snippet markers: control characters never survive chunking (search.chunking strips
# them), so after HTML-escaping the headline only ours turn into <mark>.
_MARK_START, _MARK_STOP = "\x01", "\x02"
_HEADLINE_OPTIONS = (
    f"StartSel={_MARK_START}, StopSel={_MARK_STOP}, MaxWords=30, MinWords=12, "
    'ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "'
)
_WORD_RE = re.compile(r"[^\W_]+")


class Mode(StrEnum):
    HYBRID = "hybrid"
    SEMANTIC = "semantic"
    KEYWORD = "keyword"


@dataclass(frozen=True)
class SearchHit:
    page_id: int
    slug: str
    title: str
    chunk_id: int
    score: float
    snippet: SafeString  # HTML: escaped text with <mark> around matched words

    @property
    def path(self) -> str:
        return f"/{self.slug}/" if self.slug else "/"


def query_words(query: str) -> str:
    """The words of `query`, for to_tsvector (stemming, stopwords); the statement ORs
    their lexemes, quoted, so no input can inject tsquery syntax."""
    return " ".join(_WORD_RE.findall(query))


def query_embedding(query: str, *, embedder: Embedder | None = None) -> list[float]:
    """The query's vector, cached in Redis: a repeated query never touches the model."""
    embedder = embedder or embedder_get()
    key = f"search:qvec:{embedder.name}:{hashlib.sha256(query.encode()).hexdigest()}"
    try:
        vector = cache.get(key)
    except RedisError as exc:  # the model answers without its cache
        outage_log("redis", "query vectors computed without their cache", exc)
        return embed_checked(embedder, [query])[0]
    if vector is None:
        vector = embed_checked(embedder, [query])[0]
        try:
            cache.set(key, vector, settings.SEARCH_QUERY_CACHE_SECONDS)
        except RedisError as exc:
            outage_log("redis", "query vectors computed without their cache", exc)
    return vector


# Lexemes PostgreSQL's statistics of the tsvector column (kept by ANALYZE/autovacuum)
# estimate in more than SEARCH_KEYWORD_MAX_MATCHES chunks act as this site's stopwords:
# OR-ing "coffee" on a coffee site makes the GIN scan decode a posting list of most
# rows for no ranking value. The rarest query lexeme is always kept, and small sites
# (where every scan is cheap) keep all their words.
_COMMON = """
common AS (
    SELECT u.lexeme, u.freq * greatest(cl.reltuples, 0) AS matches
    FROM pg_stats s
    JOIN pg_class cl ON cl.relname = s.tablename AND cl.relnamespace = current_schema()::regnamespace,
         unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS u(lexeme, freq)
    WHERE s.schemaname = current_schema() AND s.tablename = 'search_chunk' AND s.attname = 'search_vector'
)"""

_QUERY = """
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
)"""

_SEMANTIC = """
semantic AS (
    SELECT id, row_number() OVER (ORDER BY distance, id) AS rank
    FROM (
        SELECT c.id, c.embedding::vector({dimensions}) <=> %(vector)s::vector({dimensions}) AS distance
        FROM search_chunk c JOIN content_page p ON p.id = c.page_id
        WHERE p.status = 'published'
        ORDER BY distance
        LIMIT %(candidates)s
    ) nearest
)"""

_KEYWORD = """
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
)"""

_FUSE_AND_PICK = """
fused AS (
    SELECT id, sum(weight / (%(rrf_k)s + rank)) AS score
    FROM ({ranked}) r
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


def search_sql(mode: Mode) -> str:
    """The statement for a mode (exposed for EXPLAIN in tests and the benchmark)."""
    ctes = [_COMMON, _QUERY]
    ranked = []
    if mode in (Mode.HYBRID, Mode.SEMANTIC):
        ctes.append(_SEMANTIC)
        ranked.append("SELECT id, rank, 1.0 AS weight FROM semantic")
    if mode in (Mode.HYBRID, Mode.KEYWORD):
        ctes.append(_KEYWORD)
        ranked.append("SELECT id, rank, %(keyword_weight)s::numeric AS weight FROM keyword")
    fuse = _FUSE_AND_PICK.replace("{ranked}", " UNION ALL ".join(ranked))
    sql = "WITH " + ",".join(ctes) + "," + fuse
    # The cast must read exactly like the index expression (search.models) to use it.
    return sql.replace("{dimensions}", str(int(settings.SEARCH_DIMENSIONS)))


def search_params(*, query: str, mode: Mode, limit: int, vector: list[float] | None) -> dict:
    return {
        "config": SEARCH_CONFIG,
        "words": query_words(query),
        "max_matches": settings.SEARCH_KEYWORD_MAX_MATCHES,
        "vector": _vector_literal(vector) if vector is not None else None,
        "candidates": max(settings.SEARCH_CANDIDATES, limit),
        "keyword_cap": settings.SEARCH_KEYWORD_CAP,
        "rrf_k": settings.SEARCH_RRF_K,
        "keyword_weight": settings.SEARCH_KEYWORD_WEIGHT if mode == Mode.HYBRID else 1.0,
        "headline": _HEADLINE_OPTIONS,
        "limit": limit,
    }


def _vector_literal(vector: list[float]) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in vector) + "]"


def search_session_settings(cursor) -> None:
    """ef_search and iterative scans for the current transaction only (SET LOCAL):
    a pooled connection never carries them into another request."""
    cursor.execute(
        "SELECT set_config('hnsw.ef_search', %s, true), set_config('hnsw.iterative_scan', 'relaxed_order', true)",
        [str(settings.SEARCH_EF_SEARCH)],
    )


def search_pages(
    *, query: str, mode: Mode | str = Mode.HYBRID, limit: int = 10, embedder: Embedder | None = None
) -> list[SearchHit]:
    """The current tenant's published pages that best answer `query`, best first,
    one hit per page with a highlighted snippet."""
    mode = Mode(mode)
    query = " ".join(query.split())
    if len(query) > QUERY_MAX_CHARS:
        raise ValueError(QUERY_TOO_LONG.format(max=QUERY_MAX_CHARS))
    limit = max(1, min(limit, LIMIT_MAX))
    if not query:
        return []
    vector = query_embedding(query, embedder=embedder) if mode != Mode.KEYWORD else None
    params = search_params(query=query, mode=mode, limit=limit, vector=vector)
    with transaction.atomic(), connection.cursor() as cursor:
        search_session_settings(cursor)
        cursor.execute(search_sql(mode), params)
        rows = cursor.fetchall()
    return [
        SearchHit(page_id=row[0], slug=row[1], title=row[2], chunk_id=row[3], score=row[4], snippet=_snippet(row[5]))
        for row in rows
    ]


def _snippet(headline: str) -> SafeString:
    escaped = escape(headline or "")
    return mark_safe(escaped.replace(_MARK_START, "<mark>").replace(_MARK_STOP, "</mark>"))  # noqa: S308
