"""Celery tasks of the search index. Each takes a page id and calls one service; the
tenant's schema travels with the task (tenant-schemas-celery), so they run in the
schema of the request that published the page."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from search import services
from search.embedders import EmbedderUnavailable

# Nothing else re-sends an index task once its signal went out (content.PageChange is done
# by then): a task that meets an embeddings endpoint or PostgreSQL down must retry, or the
# page stays out of the index. Both tasks are idempotent ("make the chunks match the
# published page"), so a redelivery after a killed worker (acks_late,
# reject_on_worker_lost) is harmless. No jitter: a restart of PostgreSQL takes seconds,
# and a jittered 0 s backoff would spend the retries inside one outage. 1+2+...+60 s:
# about five minutes of retries.
RELIABLE = {
    "autoretry_for": (EmbedderUnavailable, OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "retry_jitter": False,
    "max_retries": 10,
    "acks_late": True,
    "reject_on_worker_lost": True,
}


@shared_task(bind=True, **RELIABLE)
def page_index_task(self, page_id: int) -> dict:
    """Re-embed the page's changed chunks. An embeddings endpoint or the database that is
    down is retried with backoff; a bad configuration fails loudly once."""
    return vars(services.page_index(page_id=page_id))


@shared_task(**RELIABLE)
def page_unindex_task(page_id: int) -> int:
    return services.page_unindex(page_id=page_id)
