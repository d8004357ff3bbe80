"""A page deleted while the search index writes its chunks: the delete waits for the
indexer's transaction instead of deadlocking with it (two connections, committed rows)."""

import threading
import time

import pytest
from django.db import connection, connections
from django.utils import timezone
from django_tenants.utils import schema_context

from content import services
from content.models import Page
from search.models import Chunk

SCHEMA = "alpha"


@pytest.fixture
def committed_page(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with schema_context(SCHEMA):
            Page.objects.filter(slug="locked").delete()
            page = services.page_create(
                user=None, slug="locked", title="Locked", blocks=[{"type": "paragraph", "html": "<p>one</p>"}]
            )
            Chunk.objects.create(
                page=page, position=0, text="one", content_hash="h0", embedding=[0.1] * 384, embedded_at=timezone.now()
            )
        yield page
        connections.close_all()
        with schema_context(SCHEMA):
            Page.objects.filter(slug="locked").delete()
        connection.set_schema_to_public()


def test_a_delete_waits_for_the_indexer_holding_the_page(committed_page, django_db_blocker):
    """The indexer's order (search.services.page_index): lock the page row, then write the
    chunks. Played here on its own connection, with a pause between the two."""
    import psycopg
    from django.conf import settings

    from config.services import postgres_socket_url

    db = settings.DATABASES["default"]
    url = postgres_socket_url(db["HOST"], db["NAME"], db["USER"])
    locked, errors = threading.Event(), []

    def indexer():
        try:
            with psycopg.connect(url) as conn:
                conn.execute(f"SET search_path TO {SCHEMA}, public")
                conn.execute("SELECT id FROM content_page WHERE id = %s FOR UPDATE", [committed_page.pk])
                locked.set()
                time.sleep(1.5)  # the delete starts meanwhile and waits
                conn.execute("UPDATE search_chunk SET text = 'two' WHERE page_id = %s", [committed_page.pk])
                conn.commit()
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            errors.append(exc)

    thread = threading.Thread(target=indexer)
    thread.start()
    assert locked.wait(10)
    with django_db_blocker.unblock(), schema_context(SCHEMA):
        started = time.monotonic()
        services.page_delete(page=Page.objects.get(pk=committed_page.pk), user=None)
        waited = time.monotonic() - started
        gone = not Page.objects.filter(pk=committed_page.pk).exists()
        chunks = Chunk.objects.filter(page_id=committed_page.pk).count()
    thread.join(20)
    assert errors == []  # without the page lock first: "deadlock detected" in one of the two
    assert gone and chunks == 0
    assert waited > 0.5  # it did wait for the indexer's transaction
