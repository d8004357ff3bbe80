"""Celery tasks of the search index. Each takes a page id and calls one service; the
tenant's schema travels with the task (tenant-schemas-celery), so they run in the
schema of the request that published the page."""

from celery import shared_task

from search import services
from search.embedders import EmbedderUnavailable


@shared_task(bind=True, autoretry_for=(EmbedderUnavailable,), retry_backoff=True, max_retries=5, acks_late=True)
def page_index_task(self, page_id: int) -> dict:
    """Re-embed the page's changed chunks. An embeddings endpoint that is down is
    retried with backoff; a bad configuration fails loudly once."""
    return vars(services.page_index(page_id=page_id))


@shared_task(acks_late=True)
def page_unindex_task(page_id: int) -> int:
    return services.page_unindex(page_id=page_id)
