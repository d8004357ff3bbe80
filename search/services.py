"""Writes of the search index: (re)index a page, drop a page, reindex a tenant.

Callers are the Celery tasks (after content's publish signals) and the
`search_reindex` command; none of them runs in an editor's request.

Re-indexing is incremental: chunks are keyed by (page, position) and carry the sha256
of their text; only texts whose hash is not already stored for the page are sent to
the embedder (with their sentences, when a chunk has two or more), a moved chunk
reuses its stored vectors, and unchanged rows are not written at all (their
`embedded_at` stays as it was). A row stored before sentences were embedded counts as
missing, so the next index of its page completes it.
"""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from content.models import Page
from search.chunking import ChunkText, page_chunks
from search.embedders import Embedder, embed_checked, embedder_get
from search.models import Chunk

logger = logging.getLogger(__name__)

# A page republished while its embeddings were computed is chunked again; past this
# many rounds the newest publish's own task finishes the job.
MAX_ROUNDS = 3


@dataclass(frozen=True)
class IndexResult:
    page_id: int
    embedded: int = 0  # texts sent to the embedder
    written: int = 0  # rows inserted or updated
    kept: int = 0  # rows left untouched
    deleted: int = 0


def _published_chunks(page: Page | None) -> list[ChunkText]:
    if page is None or not page.is_published:
        return []
    return page_chunks(title=page.published_title or page.title, blocks=page.published_blocks)


def page_index(*, page_id: int, embedder: Embedder | None = None) -> IndexResult:
    """Make the page's chunks match its published snapshot (none if unpublished/gone).

    The embedder runs outside any transaction (it can take seconds); the write then
    locks the page row and re-chunks it: if the snapshot changed meanwhile, it loops
    with the new text rather than storing vectors of an outdated version.
    """
    embedder = embedder or embedder_get()
    vectors: dict[str, _Vectors] = {}
    embedded = 0
    for _ in range(MAX_ROUNDS):
        chunks = _published_chunks(Page.objects.filter(pk=page_id).first())
        stored = set(
            Chunk.objects.filter(page_id=page_id, sentence_embeddings__isnull=False).values_list(
                "content_hash", flat=True
            )
        )
        missing = {c.content_hash: c for c in chunks if c.content_hash not in stored | vectors.keys()}
        if missing:
            vectors.update(_embed(embedder, list(missing.values())))
            embedded += len(missing)
        with transaction.atomic():
            page = Page.objects.select_for_update().filter(pk=page_id).first()
            if _published_chunks(page) != chunks:
                continue
            result = _chunks_store(page_id=page_id, chunks=chunks, vectors=vectors)
        result = IndexResult(page_id=page_id, embedded=embedded, **result)
        logger.info("search index page %s: %s", page_id, result)
        return result
    logger.warning("search index page %s: still changing after %s rounds; a later task indexes it", page_id, MAX_ROUNDS)
    return IndexResult(page_id=page_id, embedded=embedded)


@dataclass(frozen=True)
class _Vectors:
    chunk: list[float]
    sentences: list[list[float]]


def _embed(embedder: Embedder, chunks: list[ChunkText]) -> dict[str, _Vectors]:
    """One embedder call for the chunks' texts and the sentences of those that have
    two or more (a lone sentence would only repeat its chunk's vector)."""
    texts = [chunk.text for chunk in chunks]
    for chunk in chunks:
        if len(chunk.sentences) > 1:
            texts.extend(chunk.sentences)
    flat = iter(embed_checked(embedder, texts))
    chunk_vectors = [next(flat) for _ in chunks]
    return {
        chunk.content_hash: _Vectors(
            chunk=vector,
            sentences=[next(flat) for _ in chunk.sentences] if len(chunk.sentences) > 1 else [],
        )
        for chunk, vector in zip(chunks, chunk_vectors, strict=True)
    }


def _chunks_store(*, page_id: int, chunks: list[ChunkText], vectors: dict[str, _Vectors]) -> dict:
    existing = {
        chunk.position: chunk
        for chunk in Chunk.objects.filter(page_id=page_id).defer("text", "sentences", "sentence_embeddings")
    }
    # Rows whose vectors a moved chunk can take over (not those still lacking sentences).
    sources = {
        chunk.content_hash: chunk
        for chunk in Chunk.objects.filter(page_id=page_id, sentence_embeddings__isnull=False).only(
            "content_hash", "embedding", "sentence_embeddings", "embedded_at"
        )
    }
    now = timezone.now()
    rows, kept = [], 0
    for chunk in chunks:
        old = existing.get(chunk.position)
        if old is not None and old.content_hash == chunk.content_hash and chunk.content_hash in sources:
            kept += 1
            continue
        source = sources.get(chunk.content_hash)
        fresh = vectors.get(chunk.content_hash)
        rows.append(
            Chunk(
                page_id=page_id,
                position=chunk.position,
                text=chunk.text,
                content_hash=chunk.content_hash,
                embedding=source.embedding if source is not None else fresh.chunk,
                sentences=list(chunk.sentences),
                sentence_embeddings=source.sentence_embeddings if source is not None else fresh.sentences,
                embedded_at=source.embedded_at if source is not None else now,
            )
        )
    if rows:
        Chunk.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["page", "position"],
            update_fields=["text", "content_hash", "embedding", "sentences", "sentence_embeddings", "embedded_at"],
        )
    deleted, _ = Chunk.objects.filter(page_id=page_id, position__gte=len(chunks)).delete()
    return {"written": len(rows), "kept": kept, "deleted": deleted}


def page_unindex(*, page_id: int) -> int:
    """Drop a page's chunks (unpublished or deleted); returns how many went."""
    deleted, _ = Chunk.objects.filter(page_id=page_id).delete()
    return deleted


def tenant_reindex(*, embedder: Embedder | None = None, progress=None) -> list[IndexResult]:
    """Index every page of the current tenant and drop chunks of pages no longer
    published. `progress(result)` is called after each page (the command's bar)."""
    embedder = embedder or embedder_get()
    Chunk.objects.exclude(page__status=Page.Status.PUBLISHED).delete()
    results = []
    for page_id in Page.objects.filter(status=Page.Status.PUBLISHED).order_by("pk").values_list("pk", flat=True):
        result = page_index(page_id=page_id, embedder=embedder)
        results.append(result)
        if progress is not None:
            progress(result)
    return results
