"""Signals other apps listen to, so content never imports them (search indexes pages).

All three are sent by `content.services`, inside `transaction.on_commit`, with the
tenant's schema active (`connection.schema_name` is the page's tenant), and only after
the write is committed: a receiver (or the Celery task it queues) always reads the
committed row. Keyword arguments: `page_id` (int) and `slug` (str); sender is `Page`.

- `page_published`: the published snapshot changed (a publish, or the slug of a
  published page changed): re-index `page_id`.
- `page_unpublished`: visitors no longer see the page: drop it from the index.
- `page_deleted`: the row is gone: drop it from the index.

Connect in your AppConfig.ready(), e.g.
`page_published.connect(on_page_published, dispatch_uid="search-index-page")`.
"""

from django.dispatch import Signal

page_published = Signal()
page_unpublished = Signal()
page_deleted = Signal()
