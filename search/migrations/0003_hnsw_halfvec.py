# The HNSW index rebuilt on the embedding as halfvec (16-bit floats) with a denser graph
# (m 24, ef_construction 128 instead of 16 / 64): half the bytes per distance the scan
# computes, and recall@10 >= 0.97 at a lower hnsw.ef_search (bench/search_index.py,
# docs/benchmarks.md). The column keeps its 32-bit vectors: scores are computed from them
# (search.selectors), only the scan's order comes from the index.
# Raw SQL like 0001 (Django renders the opclass expression without its parentheses); the
# values are written here, not read from search.models, so the migration never changes.

import django.contrib.postgres.indexes
import django.db.models.functions.comparison
import pgvector.django.halfvec
import pgvector.django.indexes
from django.conf import settings
from django.db import migrations

DIMENSIONS = int(settings.SEARCH_DIMENSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_chunk_sentences"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="chunk", name="search_chunk_embedding_hnsw"),
                migrations.AddIndex(
                    model_name="chunk",
                    index=pgvector.django.indexes.HnswIndex(
                        django.contrib.postgres.indexes.OpClass(
                            django.db.models.functions.comparison.Cast(
                                "embedding", pgvector.django.halfvec.HalfVectorField(dimensions=DIMENSIONS)
                            ),
                            name="halfvec_cosine_ops",
                        ),
                        ef_construction=128,
                        m=24,
                        name="search_chunk_embedding_hnsw",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    [
                        "DROP INDEX search_chunk_embedding_hnsw",
                        f"CREATE INDEX search_chunk_embedding_hnsw ON search_chunk USING hnsw "
                        f"((embedding::halfvec({DIMENSIONS})) halfvec_cosine_ops) "
                        f"WITH (m = 24, ef_construction = 128)",
                    ],
                    reverse_sql=[
                        "DROP INDEX search_chunk_embedding_hnsw",
                        f"CREATE INDEX search_chunk_embedding_hnsw ON search_chunk USING hnsw "
                        f"((embedding::vector({DIMENSIONS})) vector_cosine_ops) "
                        f"WITH (m = 16, ef_construction = 64)",
                    ],
                )
            ],
        ),
    ]
