"""Receivers of content's page signals: each only queues a task.

Publishing is not retried here: with the broker down the send fails at once and the
exception reaches content, which keeps the change (content.PageChange) and sends the
signal again from its sweep once Redis is back. Retrying would hold the editor's request.
"""

from search.tasks import page_index_task, page_unindex_task


def page_published_index(sender, *, page_id: int, **kwargs) -> None:
    page_index_task.apply_async(args=[page_id], retry=False)


def page_gone_unindex(sender, *, page_id: int, **kwargs) -> None:
    page_unindex_task.apply_async(args=[page_id], retry=False)
