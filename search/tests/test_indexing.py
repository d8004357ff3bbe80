"""Indexing through the real path: content's services commit, their signals queue a
task, a real Celery worker (its own process, its own copy of the model) embeds."""

import time

import pytest
from django.core.management import call_command
from django_tenants.utils import tenant_context

from search.models import Chunk
from search.services import page_index, page_unindex
from search.tests.utils import heading, page_publish_indexed, paragraph

CLEANING = "Wipe the frame with a damp cloth and never point a pressure washer at the bearings."
STORAGE = "Keep the bike indoors over winter and hang it by the frame, not the wheels."
TRAVEL = "For flights, let some air out of the tyres and pad the derailleur with foam."


def _wait(read, *, timeout=120, what="the worker"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = read()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_publish_indexes_on_the_worker_and_an_edit_reembeds_only_its_chunk(celery_worker, django_db_blocker):
    from content.services import page_create, page_delete, page_publish, page_unpublish, page_update
    from search.selectors import search_pages
    from tenants.models import Tenant

    blocks = [heading("Cleaning"), paragraph(CLEANING), heading("Storage"), paragraph(STORAGE)]
    blocks += [heading("Travel"), paragraph(TRAVEL)]
    with django_db_blocker.unblock():
        with tenant_context(Tenant.objects.get(schema_name="alpha")):
            page = page_create(user=None, slug="worker-care", title="Care guide", blocks=blocks)
            try:
                page_publish(page=page, user=None)

                def rows():
                    found = dict(Chunk.objects.filter(page=page).values_list("position", "embedded_at"))
                    return found if len(found) == 3 else None

                before = _wait(rows, what="the first indexing")
                assert search_pages(query="how do I store my bicycle in the cold months")[0].slug == "worker-care"

                edited = [dict(block) for block in page.blocks]
                edited[3]["html"] = "<p>Store it in a dry shed; a cover stops rust.</p>"
                page = page_update(page=page, user=None, blocks=edited)
                page_publish(page=page, user=None)
                _wait(lambda: Chunk.objects.filter(page=page, position=1, text__contains="dry shed").exists())
                after = dict(Chunk.objects.filter(page=page).values_list("position", "embedded_at"))
                assert [p for p in sorted(after) if after[p] != before[p]] == [1]

                page_unpublish(page=page, user=None)
                _wait(lambda: not Chunk.objects.filter(page=page).exists(), what="the unindexing")
                assert search_pages(query="dry shed rust", mode="keyword") == []
            finally:
                page_delete(page=page, user=None)
            assert not Chunk.objects.filter(page_id=page.pk).exists()


def test_reindex_keeps_unchanged_chunks_and_embeds_only_new_text(tenant_a, embedder):
    blocks = [heading("Cleaning"), paragraph(CLEANING), heading("Storage"), paragraph(STORAGE)]
    page = page_publish_indexed(tenant_a, slug="care", title="Care", blocks=blocks, embedder=embedder)
    from content.services import page_publish, page_update

    with tenant_context(tenant_a):
        again = page_index(page_id=page.pk, embedder=embedder)
        assert (again.embedded, again.written, again.kept) == (0, 0, 2)
        # A block inserted at the top shifts every chunk: texts are reused, not re-embedded.
        moved = [heading("Intro"), paragraph("Read this first."), *page.blocks]
        page_publish(page=page_update(page=page, user=None, blocks=moved), user=None)
        result = page_index(page_id=page.pk, embedder=embedder)
        assert (result.embedded, result.written, result.kept) == (1, 3, 0)
        assert list(Chunk.objects.filter(page=page).values_list("position", flat=True)) == [0, 1, 2]
        assert page_unindex(page_id=page.pk) == 3


def test_draft_pages_are_not_indexed(tenant_a, embedder):
    from content.services import page_create

    with tenant_context(tenant_a):
        draft = page_create(user=None, slug="draft", title="Secret plans", blocks=[paragraph("Unreleased model.")])
        assert page_index(page_id=draft.pk, embedder=embedder).written == 0
        assert not Chunk.objects.filter(page=draft).exists()


def test_search_reindex_command_indexes_one_tenant(tenant_a, tenant_b, embedder, capsys):
    from content.services import page_create, page_publish

    for tenant in (tenant_a, tenant_b):
        with tenant_context(tenant):
            page_publish(page=page_create(user=None, slug="faq", title="FAQ", blocks=[paragraph("Ask us.")]), user=None)
    call_command("search_reindex", tenant="alpha")
    assert "alpha: 1 pages, 1 chunks, 1 embedded" in capsys.readouterr().out
    with tenant_context(tenant_a):
        assert Chunk.objects.count() == 1
    with tenant_context(tenant_b):
        assert Chunk.objects.count() == 0


def test_search_reindex_refuses_an_unknown_tenant(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No tenant named 'nope'"):
        call_command("search_reindex", tenant="nope")


def test_sentences_get_vectors_that_moves_keep_and_old_rows_gain(tenant_a, embedder):
    """A chunk of two sentences stores a vector for each; a moved chunk takes its
    vectors along (nothing re-embedded); a row indexed before sentences existed (NULL
    vectors) is embedded again on its page's next index."""
    from content.services import page_publish, page_update

    blocks = [heading("Care"), paragraph(f"{CLEANING} {STORAGE}")]
    page = page_publish_indexed(tenant_a, slug="care", title="Care", blocks=blocks, embedder=embedder)
    with tenant_context(tenant_a):
        (chunk,) = Chunk.objects.filter(page=page)
        assert chunk.sentences == [CLEANING, STORAGE]
        assert [len(vector) for vector in chunk.sentence_embeddings] == [384, 384]

        moved = [heading("Intro"), paragraph("Read this first."), *page.blocks]
        page_publish(page=page_update(page=page, user=None, blocks=moved), user=None)
        assert page_index(page_id=page.pk, embedder=embedder).embedded == 1  # the new intro only
        after = Chunk.objects.get(page=page, position=1)
        assert after.content_hash == chunk.content_hash
        assert after.sentence_embeddings == chunk.sentence_embeddings

        Chunk.objects.filter(page=page).update(sentence_embeddings=None)
        result = page_index(page_id=page.pk, embedder=embedder)
        assert (result.embedded, result.written) == (2, 2)
        assert not Chunk.objects.filter(page=page, sentence_embeddings__isnull=True).exists()
