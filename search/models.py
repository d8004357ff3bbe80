"""Search rows: one `Chunk` per window of a published page, in the tenant's schema.

The embedding and the full-text vector live on the same row, so one SQL statement
ranks both ways and fuses the ranks (search.selectors). The tsvector is a generated
column: PostgreSQL keeps it in step with `text`, no code path can forget it.
"""

import re

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models.functions import Cast
from pgvector.django import HalfVectorField, HnswIndex, VectorField

# The text search configuration of the generated column and of every query: both
# sides must stem the same way.
SEARCH_CONFIG = "english"
_HALFVEC = HalfVectorField(dimensions=settings.SEARCH_DIMENSIONS)
HNSW_INDEX_NAME = "search_chunk_embedding_hnsw"
# The HNSW index as shipped (migration 0003): what the nearest-chunk scan orders by must
# read exactly like its expression (search.selectors.ann_distance_sql).
HNSW_TYPE = "halfvec"
HNSW_M = 24
HNSW_EF_CONSTRUCTION = 128
_BRACKETED_RE = re.compile(r"\[([^\]]*)\]")
_OPCLASSES = {"vector": "vector_cosine_ops", "halfvec": "halfvec_cosine_ops"}


def hnsw_expression(kind: str = HNSW_TYPE) -> str:
    """The indexed expression: the column cast to a fixed width (see Chunk.embedding)."""
    return f"embedding::{kind}({int(settings.SEARCH_DIMENSIONS)})"


def hnsw_index_create_sql(
    *, kind: str = HNSW_TYPE, m: int = HNSW_M, ef_construction: int = HNSW_EF_CONSTRUCTION
) -> str:
    """The HNSW index DDL as the migrations create it, for bulk loads that drop and rebuild
    it (building after loading is ~10x faster than inserting row by row into the graph);
    the other arguments are for bench/search_index.py, which compares builds."""
    return (
        f"CREATE INDEX {HNSW_INDEX_NAME} ON search_chunk USING hnsw "
        f"(({hnsw_expression(kind)}) {_OPCLASSES[kind]}) "
        f"WITH (m = {int(m)}, ef_construction = {int(ef_construction)})"
    )


class HalfVectorArrayField(ArrayField):
    """`halfvec[]`. psycopg has no loader for it and hands Django the array's text
    ('{"[0.1,0.2]","[0.3,0.4]"}'), which ArrayField would iterate character by
    character: parse it here (vectors hold no brackets, so each [...] is one)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("base_field", HalfVectorField())
        super().__init__(**kwargs)

    def _from_db_value(self, value, expression, connection):
        if isinstance(value, str):
            return [[float(x) for x in item.split(",")] for item in _BRACKETED_RE.findall(value)]
        return super()._from_db_value(value, expression, connection)


class Chunk(models.Model):
    page = models.ForeignKey("content.Page", on_delete=models.CASCADE, related_name="chunks")
    position = models.PositiveIntegerField()
    text = models.TextField()
    # sha256 of `text`: re-indexing a page re-embeds only the chunks whose hash changed.
    content_hash = models.CharField(max_length=64)
    # No width on the column: django-tenants' clone_schema() copies a column of an
    # extension type without its typmod (vector(384) becomes vector), and an HNSW
    # index on a column without dimensions cannot be built in the cloned schemas. The
    # index is on `embedding::halfvec(N)` instead (16-bit copies: half the bytes per
    # distance; migration 0003), which also refuses a vector of the wrong width on
    # insert; the nearest-chunk scan uses the same expression, scores the stored 32-bit
    # vectors (search.selectors).
    embedding = VectorField()
    search_vector = models.GeneratedField(
        expression=SearchVector("text", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    # When this row's embedding was computed: unchanged rows keep theirs on re-index.
    embedded_at = models.DateTimeField()
    # The body's sentences (search.chunking) and, when there are two or more, one
    # vector each (half precision: they only re-score the candidates the chunk vectors
    # found and pick the snippet; no index is built on them). NULL vectors: a row
    # indexed before sentences existed, or bulk-loaded; the next page_index embeds it.
    sentences = ArrayField(models.TextField(), default=list, blank=True, null=True)
    sentence_embeddings = HalfVectorArrayField(null=True, blank=True)

    class Meta:
        ordering = ["page", "position"]
        constraints = [models.UniqueConstraint(fields=["page", "position"], name="search_chunk_page_position")]
        indexes = [
            HnswIndex(
                # Created by raw SQL in migrations 0001 and 0003 (hnsw_index_create_sql):
                # Django renders this expression without the parentheses PostgreSQL needs
                # before an opclass.
                OpClass(Cast("embedding", _HALFVEC), name="halfvec_cosine_ops"),
                name=HNSW_INDEX_NAME,
                m=HNSW_M,
                ef_construction=HNSW_EF_CONSTRUCTION,
            ),
            GinIndex(fields=["search_vector"], name="search_chunk_search_vector"),
        ]

    def __str__(self) -> str:
        return f"page {self.page_id} #{self.position}"
