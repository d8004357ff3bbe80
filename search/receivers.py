"""Receivers of content's page signals: each only queues a task."""

from search.tasks import page_index_task, page_unindex_task


def page_published_index(sender, *, page_id: int, **kwargs) -> None:
    page_index_task.delay(page_id)


def page_gone_unindex(sender, *, page_id: int, **kwargs) -> None:
    page_unindex_task.delay(page_id)
