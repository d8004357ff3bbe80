"""Reads of the search index: one SQL statement per query, over the current tenant.

Tenancy needs no filter here: `search_chunk` and `content_page` resolve in the
request's schema (django-tenants sets search_path), so another tenant's rows are not
even visible to the statement.

Candidates (hybrid takes both lists, the other modes one):

- nearest chunks: top SEARCH_CANDIDATES by cosine distance through the HNSW index,
  joined to published pages. `hnsw.iterative_scan = relaxed_order` (pgvector 0.8) lets
  the index scan continue past ef_search when the join drops rows, so a filter never
  starves the list.
- keyword matches: chunks whose tsvector holds ANY query word (an OR query: a
  paraphrase rarely contains all the words of its answer), at most
  SEARCH_KEYWORD_CAP of them scored, the SEARCH_CANDIDATES best kept.

Scores, absolute rather than ranks, so that one floor per mode holds on any query:

- similarity: the cosine similarity of the query and the chunk, raised by
  SEARCH_SENTENCE_WEIGHT of the amount by which the chunk's best sentence is closer
  (a one-line answer inside a chunk about other things);
- keyword share: the part of the query's information the chunk holds literally: the
  idf of the query's lexemes it contains over the idf of all of them, idf counted in
  this tenant. A word on every page of the site weighs ~0, a product code or a name
  found weighs almost all; a query word the site never uses counts in the total, so
  a partial match of common words is worth little;
- semantic = similarity; keyword = share; hybrid = similarity + SEARCH_KEYWORD_WEIGHT
  x share.

Why not reciprocal rank fusion (what this module did first): on a small site every
page shares common words, so the keyword list's ranks are noise, and RRF weighs them
as much as meaning (hybrid MRR 0.849 against semantic's 0.861 on the quality set);
ranks also carry no "how good", so no floor can be put on them. The weights and
floors were chosen by leave-one-site-out cross-validation on the quality set, frozen,
and measured on questions written afterwards (bench/search_quality.py,
docs/benchmarks.md).

Then the best chunk per page above the mode's floor (search_min_score), best first,
and a snippet for the returned rows only: a keyword match shows its words in context
(ts_headline), a semantic one its best sentence.

Last, with a query vector (hybrid, semantic), the background gate: when the best page
scores under the query's similarity with its closest general subject minus
SEARCH_BACKGROUND_MARGIN (search.background), the question is about something else and
the answer is an empty list. The floor alone cannot say this: on a small site the best
passage of a question about a neighbouring trade scores like the answer to a hard
paraphrase; the comparison with other subjects can (no-answer accuracy 0.63 -> 0.94 on the
quality set, docs/benchmarks.md). A question about a neighbouring trade ("kayak rental" at a
bike shop) can still come close; when its match is weak, a rare word of it that the site
never uses empties the list too (background_passes; 0.50 -> 0.92 on fresh questions).
"""

import hashlib
import logging
import re
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import InternalError, ProgrammingError, connection, transaction
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from redis import RedisError

from config.outage import outage_log
from search.background import background_similarity, rare_words, words_unknown
from search.embedders import Embedder, embed_checked, embedder_get
from search.models import HNSW_TYPE, SEARCH_CONFIG, hnsw_expression

logger = logging.getLogger(__name__)

QUERY_TOO_LONG = "the query is too long: at most {max} characters"
QUERY_MAX_CHARS = 500
LIMIT_MAX = 50
# Candidates whose sentences are compared with the query (see _SENTENCE).
RESCORED = 20

# Snippet markers: control characters never survive chunking (search.chunking strips
# them), so after HTML-escaping the headline only ours turn into <mark>.
_MARK_START, _MARK_STOP = "\x01", "\x02"
_HEADLINE_OPTIONS = (
    f"StartSel={_MARK_START}, StopSel={_MARK_STOP}, MaxWords=30, MinWords=12, "
    'ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "'
)
# A sentence (at most chunking.SENTENCE_MAX_WORDS, or two short ones) is shown whole.
_SENTENCE_HEADLINE_OPTIONS = f"StartSel={_MARK_START}, StopSel={_MARK_STOP}, HighlightAll=true"
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


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
    # The part of the query's information (idf) the passage holds word for word, in [0, 1];
    # 0 in semantic mode.
    share: float = 0.0

    @property
    def path(self) -> str:
        return f"/{self.slug}/" if self.slug else "/"


def query_text(query: str) -> str:
    """The query as searched: control characters dropped (PostgreSQL refuses NUL in
    text, and two of them mark the snippet's words), whitespace collapsed. The raw text
    goes to to_tsvector, so "FG-2", "4.95" or "jobs@acme.example" parse into the same
    lexemes as in the pages; each lexeme is then quoted alone, so no input can inject
    tsquery syntax."""
    return " ".join(_CONTROL_RE.sub(" ", query).split())


# The query vectors this process computed or read last, per tenant (schema), model and
# text: a text's vector never changes for a given model, so an entry is exact for as long
# as it is kept, and a repeated query skips the Redis round trip and the unpickling too.
# Keyed per tenant like the Redis copy (tenant-prefixed keys), so a tenant's queries
# neither evict nor reveal (by timing) another's. At most SEARCH_QUERY_MEMORY_CACHE
# entries of ~6 KB (the vector as float32, which is what the model made, so nothing is
# lost; and the literal the statement binds) per process.
_query_vectors: OrderedDict[tuple[str, str, str], tuple[np.ndarray, str]] = OrderedDict()
_query_vectors_lock = threading.Lock()


def _query_vector_remembered(key: tuple[str, str, str]) -> tuple[np.ndarray, str] | None:
    with _query_vectors_lock:
        found = _query_vectors.get(key)
        if found is not None:
            _query_vectors.move_to_end(key)
        return found


def _query_vector_remember(key: tuple[str, str, str], entry: tuple[np.ndarray, str]) -> None:
    size = settings.SEARCH_QUERY_MEMORY_CACHE
    if size <= 0:
        return
    with _query_vectors_lock:
        _query_vectors[key] = entry
        _query_vectors.move_to_end(key)
        while len(_query_vectors) > size:
            _query_vectors.popitem(last=False)


def query_vectors_forget() -> None:
    """Empty this process's query vectors (tests and benchmarks that time the model)."""
    with _query_vectors_lock:
        _query_vectors.clear()


def query_embedding(query: str, *, embedder: Embedder | None = None) -> list[float]:
    """The query's vector: from this process's recent queries of this tenant, else from
    Redis, else from the model (and then kept in both)."""
    return _query_vector(query, embedder=embedder or embedder_get())[0].tolist()


def _query_vector(query: str, *, embedder: Embedder) -> tuple[np.ndarray, str]:
    """The query's vector (float32) and its SQL literal (formatting 384 floats costs
    ~0.1 ms)."""
    key = (connection.schema_name, embedder.name, query)
    remembered = _query_vector_remembered(key)
    if remembered is not None:
        return remembered
    vector = _query_embedding_shared(query, embedder=embedder)
    entry = (np.asarray(vector, dtype=np.float32), _vector_literal(vector))
    _query_vector_remember(key, entry)
    return entry


def _query_embedding_shared(query: str, *, embedder: Embedder) -> list[float]:
    """The query's vector, cached in Redis: a repeated query never touches the model."""
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


# How often each query lexeme occurs in this tenant's chunks (`df`) and how many chunks
# there are (`n`): from PostgreSQL's statistics of the tsvector column once ANALYZE
# (autovacuum) has run, estimated the way its own planner does (a lexeme missing from
# the most-common list gets half the smallest frequency listed); before that, counted
# through the GIN index, which only happens on tables autovacuum has never analysed
# (fewer than ~50 rows changed since they were created), where counting is cheap.
# idf is BM25's, ln(1 + (n - df + 0.5) / (df + 0.5)): ~0 for a word in every chunk; a
# word the site never uses counts as if it were in one chunk (df 1), so on a site of a
# few chunks a word it does use is not outweighed by every word it doesn't.
# Each query lexeme is looked up in the most-common list (array_position) rather than the
# list unnested and joined: ~800 entries at 100k chunks, 3.7 -> 0.4 ms of execution, the
# most of what keyword candidates added to a hybrid search (EXPLAIN ANALYZE, same rows).
_TERMS = """
stats AS MATERIALIZED (
    SELECT s.most_common_elems::text::text[] AS elems, s.most_common_elem_freqs AS freqs, cl.reltuples AS n
    FROM pg_stats s
    JOIN pg_class cl ON cl.relname = s.tablename AND cl.relnamespace = current_schema()::regnamespace
    WHERE s.schemaname = current_schema() AND s.tablename = 'search_chunk' AND s.attname = 'search_vector'
      AND cl.reltuples > 0 AND s.most_common_elems IS NOT NULL
),
size AS (
    SELECT coalesce((SELECT n FROM stats), (SELECT count(*) FROM search_chunk))::float8 AS n
),
lexemes AS (
    SELECT DISTINCT t.lexeme,
           ('''' || replace(replace(t.lexeme, '\\', '\\\\'), '''', '''''') || '''')::tsquery AS query
    FROM unnest(to_tsvector(%(config)s::regconfig, %(words)s)) t
),
common AS (
    SELECT l.lexeme, (SELECT s.freqs[array_position(s.elems, l.lexeme)] FROM stats s) AS freq FROM lexemes l
),
counted AS MATERIALIZED (
    SELECT l.lexeme, l.query, coalesce(
        (SELECT s.n * coalesce(c.freq, s.freqs[array_length(s.elems, 1) + 1] / 2) FROM stats s),
        (SELECT count(*) FROM search_chunk c WHERE c.search_vector @@ l.query)
    )::float8 AS df,
    coalesce(c.freq * (SELECT n FROM stats), 0) AS common_df
    FROM lexemes l LEFT JOIN common c ON c.lexeme = l.lexeme
),
terms AS (
    SELECT t.lexeme, t.query, t.df,
           ln(1 + (greatest(size.n - greatest(t.df, 1), 0) + 0.5) / (greatest(t.df, 1) + 0.5)) AS idf,
           row_number() OVER (ORDER BY t.common_df, t.df, t.lexeme) AS rarity, t.common_df
    FROM counted t, size
),
q AS (
    SELECT coalesce(
               string_agg(query::text, ' | ') FILTER (WHERE common_df <= %(max_matches)s OR rarity = 1), ''
           )::tsquery AS query,
           sum(idf) AS idf_total
    FROM terms
)"""

# A chunk's keyword share: the idf of the query lexemes it holds over the idf of all
# of them, in [0, 1]; NULL (no share) for a query without words.
_SHARE = "(SELECT coalesce(sum(t.idf), 0) FROM terms t WHERE {tsvector} @@ t.query) / nullif(q.idf_total, 0)"

# The query's vector, bound once: a 384-float literal costs its parse each time it
# appears (client-side binding sends the statement as text).
_VECTOR = """
qvec AS MATERIALIZED (
    SELECT v, v::halfvec({dimensions}) AS h FROM (SELECT %(vector)s::vector({dimensions}) AS v) literal
)"""

_SEMANTIC = """
semantic AS (
    SELECT c.id, {distance_out} AS distance
    FROM search_chunk c JOIN content_page p ON p.id = c.page_id
    WHERE p.status = 'published'
    ORDER BY c.{ann_distance}
    LIMIT %(candidates)s
)"""

# Words PostgreSQL's statistics put in more than SEARCH_KEYWORD_MAX_MATCHES chunks are
# left out of the OR query (their idf is ~0 and matching them decodes much of the GIN
# index), the rarest query word always stays, and at most SEARCH_KEYWORD_CAP matches
# are scored: the p95 stays flat on common words. ts_rank_cd (frequency, proximity)
# only orders chunks of equal share.
_KEYWORD = """
keyword AS (
    SELECT id FROM (
        SELECT m.id, {share} AS share, ts_rank_cd(m.search_vector, q.query) AS rank
        FROM (
            SELECT c.id, c.search_vector
            FROM search_chunk c JOIN content_page p ON p.id = c.page_id, q
            WHERE c.search_vector @@ q.query AND p.status = 'published'
            LIMIT %(keyword_cap)s
        ) m, q
        ORDER BY share DESC, rank DESC, m.id
        LIMIT %(candidates)s
    ) ranked
)"""

_SCORE = {
    Mode.SEMANTIC: "{s}.similarity",
    Mode.KEYWORD: "{s}.share",
    Mode.HYBRID: "{s}.similarity + %(keyword_weight)s * {s}.share",
}

# Scoring in three steps, each row read once: every candidate's chunk similarity (the
# distance the index scan computed, when it found it) and keyword share; then the
# best RESCORED of them by that score also compare the query with each of their
# sentences (a one-line answer inside a chunk about other things); then the best
# chunk per page above the floor.
_PICK = """
candidates AS (
    SELECT DISTINCT ON (id) id, distance
    FROM ({candidates}) u
    ORDER BY id, distance NULLS LAST
),
chunks AS MATERIALIZED (
    SELECT c.id, c.page_id, c.position, {similarity} AS similarity, coalesce({share}, 0) AS share
    FROM candidates k JOIN search_chunk c ON c.id = k.id CROSS JOIN q
),
scored AS MATERIALIZED (
    SELECT ch.id, ch.page_id, ch.position, ch.share, {sentence_index} AS sentence,
           {rescored_similarity} AS similarity
    FROM chunks ch{sentence_join}
),
best AS (
    SELECT DISTINCT ON (s.page_id) s.page_id, s.id, s.sentence, s.share, {score} AS score
    FROM scored s
    WHERE {score} >= %(min_score)s
    ORDER BY s.page_id, {score} DESC, s.position
),
top AS (
    SELECT *, sentence IS NULL OR share >= %(snippet_share)s AS keyword_snippet
    FROM best ORDER BY score DESC, page_id LIMIT %(limit)s
)
SELECT b.page_id, p.slug, p.published_title, b.id, b.score::float8,
       ts_headline(
           %(config)s::regconfig,
           CASE WHEN b.keyword_snippet THEN substr(c.text, strpos(c.text, E'\\n') + 1)
                ELSE array_to_string(c.sentences[b.sentence : b.sentence + CASE
                    WHEN array_length(string_to_array(c.sentences[b.sentence], ' '), 1) < 8 THEN 1 ELSE 0 END], ' ')
           END,
           q.query,
           CASE WHEN b.keyword_snippet THEN %(headline)s ELSE %(sentence_headline)s END),
       b.share::float8
FROM top b JOIN content_page p ON p.id = b.page_id JOIN search_chunk c ON c.id = b.id, q
ORDER BY b.score DESC, b.page_id
"""

# The sentences of the best RESCORED candidates by chunk score (the others keep their
# chunk similarity: below those, a sentence rarely lifts a chunk into the results).
_SENTENCE = """
    LEFT JOIN LATERAL (
        SELECT u.i, 1 - (u.v <=> (SELECT h FROM qvec)) AS similarity
        FROM search_chunk c, unnest(c.sentence_embeddings) WITH ORDINALITY u(v, i)
        WHERE c.id = ch.id AND ch.id IN (SELECT id FROM chunks ORDER BY {chunk_score} DESC, id LIMIT %(rescored)s)
        ORDER BY u.v <=> (SELECT h FROM qvec)
        LIMIT 1
    ) sentence ON true"""


def ann_distance_sql(kind: str = HNSW_TYPE) -> str:
    """The nearest-chunk scan's distance, read exactly like the HNSW index's expression
    (search.models) so the planner uses the index: a halfvec index is searched with the
    query as halfvec."""
    return f"{hnsw_expression(kind)} <=> (SELECT {'h' if kind == 'halfvec' else 'v'} FROM qvec)"


def search_sql(mode: Mode, *, ann: str = HNSW_TYPE) -> str:
    """The statement for a mode (exposed for EXPLAIN in tests and the benchmark; `ann`, the
    index's vector type, for bench/search_index.py, which compares index builds)."""
    return _search_sql(Mode(mode), int(settings.SEARCH_DIMENSIONS), ann)


@lru_cache(maxsize=16)
def _search_sql(mode: Mode, dimensions: int, ann: str) -> str:
    ctes = [_TERMS]
    lists = []
    if mode in (Mode.HYBRID, Mode.SEMANTIC):
        ctes += [_VECTOR, _SEMANTIC]
        lists.append("SELECT id, distance FROM semantic")
    if mode in (Mode.HYBRID, Mode.KEYWORD):
        ctes.append(_KEYWORD.replace("{share}", _SHARE.replace("{tsvector}", "m.search_vector")))
        lists.append("SELECT id, NULL::float8 AS distance FROM keyword")
    if mode == Mode.KEYWORD:
        similarity, sentence_join, sentence_index, rescored = "0.0", "", "NULL::bigint", "ch.similarity"
    else:
        # The scan's distance is the score when it is the exact one; a halfvec index's
        # (16-bit) is only the order, and the score is computed from the stored vector.
        exact = "c.embedding::vector({dimensions}) <=> (SELECT v FROM qvec)"
        similarity = f"1 - ({exact})" if ann == "halfvec" else f"1 - coalesce(k.distance, {exact})"
        sentence_join = _SENTENCE.replace("{chunk_score}", _SCORE[mode].replace("{s}.", ""))
        sentence_index = "sentence.i"
        rescored = "ch.similarity + %(sentence_weight)s * greatest(sentence.similarity - ch.similarity, 0)"
    share = _SHARE.replace("{tsvector}", "c.search_vector") if mode != Mode.SEMANTIC else "0.0"
    pick = (
        _PICK.replace("{candidates}", " UNION ALL ".join(lists))
        .replace("{similarity}", similarity)
        .replace("{share}", share)
        .replace("{sentence_join}", sentence_join)
        .replace("{sentence_index}", sentence_index)
        .replace("{rescored_similarity}", rescored)
        .replace("{score}", _SCORE[mode].replace("{s}", "s"))
    )
    # A vector index's distance is the exact one, and the scoring reuses it; a halfvec
    # index's is not output at all (an index scan orders by it without computing it
    # again from the row), and the scoring computes the exact one from the stored vector.
    distance_out = "NULL::float8" if ann == "halfvec" else "c.{ann_distance}"
    sql = ("WITH " + ",".join(ctes) + "," + pick).replace("{distance_out}", distance_out)
    sql = sql.replace("{ann_distance}", ann_distance_sql(ann))
    # The cast must read exactly like the index expression (search.models) to use it.
    return sql.replace("{dimensions}", str(dimensions))


def search_min_score(mode: Mode | str) -> float:
    """The relevance floor of a mode: a page whose best chunk scores below it is no
    result. Scores are absolute (a similarity, a share of the query's words), not
    ranks, so one number per mode holds across queries and sites; bench/search_quality.py
    calibrates them."""
    return {
        Mode.SEMANTIC: settings.SEARCH_MIN_SIMILARITY,
        Mode.KEYWORD: settings.SEARCH_MIN_KEYWORD_SHARE,
        Mode.HYBRID: settings.SEARCH_MIN_SCORE,
    }[Mode(mode)]


def background_passes(
    score: float, share: float, *, mode: Mode, vector: list[float], embedder: Embedder, query: str = ""
) -> bool:
    """Whether the best page (its score and keyword share) answers a question about this
    site rather than about another subject. Two witnesses:

    - meaning: the page's similarity must reach the query's similarity with its closest
      general subject minus SEARCH_BACKGROUND_MARGIN: "cheap flights to Rome" is closer
      to "Flights, airlines and airports" than to any page of a bike shop. A hybrid
      page is compared by its similarity alone (its score less the keyword share's part),
      so a common word of the question that the page happens to hold ("winter", "city")
      does not carry a question about knitting or scooter hire past it; a page holding
      most of the question's information literally (share >= SEARCH_SNIPPET_KEYWORD_SHARE,
      what the snippet already shows as a keyword match: a product code, a name) passes
      this one.
    - words: when the similarity is also under max(SEARCH_RARE_WORD_SIMILARITY, the
      background similarity - SEARCH_RARE_WORD_MARGIN), a word of the question rarer in
      English than SEARCH_RARE_WORD_ZIPF that this site never uses ("kayak" at a bike shop,
      "matcha" at a coffee roaster) says the question is about something else, keyword
      match or not (search.background.rare_words). Only then is the site's vocabulary
      asked (one indexed statement), so a question the site answers well costs nothing.

    The first was chosen on the quality set and fresh batch 1, the second by
    leave-one-site-out cross-validation over the set and both fresh batches
    (`bench/search_quality.py --cv-veto`, docs/benchmarks.md), before fresh batch 3 was
    written."""
    keyword_match = mode == Mode.HYBRID and share >= settings.SEARCH_SNIPPET_KEYWORD_SHARE
    similarity = score - settings.SEARCH_KEYWORD_WEIGHT * share if mode == Mode.HYBRID else score
    background = background_similarity(vector, embedder=embedder)
    if not keyword_match and similarity < background - settings.SEARCH_BACKGROUND_MARGIN:
        return False
    if similarity < max(settings.SEARCH_RARE_WORD_SIMILARITY, background - settings.SEARCH_RARE_WORD_MARGIN):
        words = rare_words(query, below=settings.SEARCH_RARE_WORD_ZIPF)
        if words and words_unknown(words):
            return False
    return True


def search_params(*, query: str, mode: Mode, limit: int, vector: list[float] | None) -> dict:
    return {
        "config": SEARCH_CONFIG,
        "words": query,
        "max_matches": settings.SEARCH_KEYWORD_MAX_MATCHES,
        "vector": _vector_literal(vector) if vector is not None else None,
        "candidates": max(settings.SEARCH_CANDIDATES, limit),
        "keyword_cap": settings.SEARCH_KEYWORD_CAP,
        "keyword_weight": settings.SEARCH_KEYWORD_WEIGHT,
        "sentence_weight": settings.SEARCH_SENTENCE_WEIGHT,
        "rescored": max(RESCORED, limit),
        "min_score": search_min_score(mode),
        # A hybrid hit holding this share of the query's words shows them in context;
        # a semantic one always shows its best sentence.
        "snippet_share": settings.SEARCH_SNIPPET_KEYWORD_SHARE if mode == Mode.HYBRID else 2.0,
        "headline": _HEADLINE_OPTIONS,
        "sentence_headline": _SENTENCE_HEADLINE_OPTIONS,
        "limit": limit,
    }


def _vector_literal(vector: list[float]) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in vector) + "]"


# ef_search and iterative scans for the current transaction only (is_local): a pooled
# connection never carries them into another request.
_SESSION_SETTINGS = (
    "SELECT set_config('hnsw.ef_search', %(ef_search)s, true), set_config('hnsw.iterative_scan', 'relaxed_order', true)"
)


def search_session_settings(cursor) -> None:
    """The statement's settings as a round trip of their own, for EXPLAIN in tests and the
    benchmark (search_pages sends them in its one round trip)."""
    cursor.execute(_SESSION_SETTINGS, {"ef_search": str(settings.SEARCH_EF_SEARCH)})


# SQL types of the statement's parameters (PREPARE names them; client-side binding sends
# Python's ints and floats as numeric literals, which these types take as they are).
_PARAM_TYPES = {
    "config": "regconfig",
    "words": "text",
    "max_matches": "float8",
    "vector": "text",
    "candidates": "int8",
    "keyword_cap": "int8",
    "keyword_weight": "float8",
    "sentence_weight": "float8",
    "rescored": "int8",
    "min_score": "float8",
    "snippet_share": "float8",
    "headline": "text",
    "sentence_headline": "text",
    "limit": "int8",
}
_PARAM_RE = re.compile(r"%\((\w+)\)s")


@dataclass(frozen=True)
class _Prepared:
    """A search statement as a prepared statement of the connection: PostgreSQL parses,
    analyses and plans the ~120-line statement once per connection (and again by itself
    when search_path changes, so each tenant gets its own plan: PREPARE's documented
    behaviour since 9.3) instead of on every query: planning was 1.2 of the 2.0 ms the
    server spent on a demo-sized hybrid search (EXPLAIN ANALYZE)."""

    name: str
    prepare: str  # PREPARE name(types) AS <the statement, %(x)s turned into $n>
    execute: str  # EXECUTE name(%(x)s, ...), bound client-side like every statement


# Row counts written into the prepared statement as numbers rather than parameters: a
# generic plan (PostgreSQL's choice after five EXECUTEs) of `ORDER BY distance LIMIT $n`
# assumes a tenth of the table and scans it whole instead of using the HNSW index
# (search/tests/test_plan.py); with the number in the text both plans use it. They take
# a handful of values (the API's and the site page's limits), one statement each.
_INLINED = ("candidates", "keyword_cap", "rescored", "limit")


def _prepared(sql: str, params: dict) -> _Prepared:
    return _prepared_for(sql, tuple((name, int(params[name])) for name in _INLINED if name in params))


@lru_cache(maxsize=64)
def _prepared_for(sql: str, inlined: tuple[tuple[str, int], ...]) -> _Prepared:
    for name, value in inlined:
        sql = sql.replace(f"%({name})s", str(value))
    names = list(dict.fromkeys(_PARAM_RE.findall(sql)))
    body = _PARAM_RE.sub(lambda match: f"${names.index(match.group(1)) + 1}", sql)
    # Named after its text: a change of the SQL, of a setting written into it
    # (SEARCH_DIMENSIONS) or of a number above is another statement, never a stale plan.
    name = "search_" + hashlib.sha256(sql.encode()).hexdigest()[:20]
    types = ", ".join(_PARAM_TYPES[n] for n in names)
    arguments = ", ".join(f"%({n})s" for n in names)
    return _Prepared(name=name, prepare=f"PREPARE {name}({types}) AS {body}", execute=f"EXECUTE {name}({arguments})")


# The statements PREPAREd on each driver connection. PREPARE is not transactional (a
# rollback keeps it) and lives as long as the server session, which is as long as the
# psycopg connection object: a reconnection is a new object with nothing prepared. A
# statement dropped behind our back (DEALLOCATE, DISCARD ALL) fails with
# invalid_sql_statement_name, and _search_rows prepares it again.
_prepared_on: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_prepared_lock = threading.Lock()
_MISSING_STATEMENT = "26000"  # invalid_sql_statement_name


def _statement_names(raw) -> set[str]:
    with _prepared_lock:
        return _prepared_on.setdefault(raw, set())


def search_pages(
    *,
    query: str,
    mode: Mode | str = Mode.HYBRID,
    limit: int = 10,
    embedder: Embedder | None = None,
    min_score: float | None = None,
) -> list[SearchHit]:
    """The current tenant's published pages that best answer `query`, best first,
    one hit per page with a highlighted snippet; [] when nothing reaches the floor
    (`min_score`, by default the mode's: search_min_score) or the question is closer to
    another subject than to the best page (background_passes). A caller that needs more
    confidence than a results list (an answer built from the passages) passes a
    higher one."""
    mode = Mode(mode)
    query = query_text(query)
    if len(query) > QUERY_MAX_CHARS:
        raise ValueError(QUERY_TOO_LONG.format(max=QUERY_MAX_CHARS))
    limit = max(1, min(limit, LIMIT_MAX))
    if not query:
        return []
    embedder = embedder or (embedder_get() if mode != Mode.KEYWORD else None)
    vector = literal = None
    if mode != Mode.KEYWORD:
        vector, literal = _query_vector(query, embedder=embedder)
    params = search_params(query=query, mode=mode, limit=limit, vector=None)
    params["vector"] = literal
    if min_score is not None:
        params["min_score"] = min_score
    rows = _search_rows(search_sql(mode), params)
    # A question about another subject gets no list, however close the site's best page
    # comes: the best page (the first row) must beat the background floor. The gate is on
    # the best page only: pages after it are there because the first one answers.
    if (
        rows
        and vector is not None
        and not background_passes(rows[0][4], rows[0][6], mode=mode, vector=vector, embedder=embedder, query=query)
    ):
        return []
    return [
        SearchHit(
            page_id=row[0],
            slug=row[1],
            title=row[2],
            chunk_id=row[3],
            score=row[4],
            snippet=_snippet(row[5]),
            share=row[6],
        )
        for row in rows
    ]


# pgvector (0.8.5) raises this when VACUUM (autovacuum, after pages were deleted) frees an
# HNSW element that a concurrent index scan is about to read; the statement only reads,
# so it is run once more (seen in the quality test, whose tenant deletes and reloads four
# sites' pages while autovacuum cleans up after earlier tests).
_VACUUM_RACE = "cannot load deleted element"


def _search_rows(sql: str, params: dict) -> list[tuple]:
    """The statement's rows in one round trip: `PREPARE` (the connection's first search
    only), the settings and `EXECUTE` in one simple-query string, which PostgreSQL runs
    as one implicit transaction (so set_config(..., true) holds for the EXECUTE, then
    lapses). Inside a caller's transaction a savepoint keeps a failure from aborting it."""
    statement = _prepared(sql, params)
    params = {**params, "ef_search": str(settings.SEARCH_EF_SEARCH)}
    for attempt in range(2):
        try:
            if connection.in_atomic_block:
                with transaction.atomic():
                    return _execute(statement, params)
            return _execute(statement, params)
        except ProgrammingError as exc:
            if attempt or getattr(exc.__cause__, "sqlstate", None) != _MISSING_STATEMENT:
                raise
            logger.warning("search: the prepared statement %s was dropped; preparing it again", statement.name)
        except InternalError as exc:
            if attempt or _VACUUM_RACE not in str(exc):
                raise
            logger.warning("search: %s (a concurrent VACUUM of the HNSW index); running the query again", exc)
    raise AssertionError("unreachable")


def _execute(statement: _Prepared, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        names = _statement_names(connection.connection)
        parts = [_SESSION_SETTINGS, statement.execute]
        if statement.name not in names:
            parts.insert(0, statement.prepare)
        # Counted as prepared before it runs: a PREPARE that went through stays even if
        # the EXECUTE after it fails; one that did not makes the EXECUTE fail with the
        # missing statement, and the caller prepares it again.
        names.add(statement.name)
        try:
            cursor.execute(";\n".join(parts), params)
        except ProgrammingError as exc:
            if getattr(exc.__cause__, "sqlstate", None) == _MISSING_STATEMENT:
                names.discard(statement.name)
            raise
        while cursor.cursor.nextset():  # the last result is the EXECUTE's
            pass
        return cursor.fetchall()


def _snippet(headline: str) -> SafeString:
    escaped = escape(headline or "")
    return mark_safe(escaped.replace(_MARK_START, "<mark>").replace(_MARK_STOP, "</mark>"))  # noqa: S308
