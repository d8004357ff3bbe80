from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        # content sends these from transaction.on_commit with the page's tenant schema
        # active: the task is queued for that schema, after the row is committed, and
        # the editor's request never waits for an embedding.
        from content.signals import page_deleted, page_published, page_unpublished
        from search import receivers

        page_published.connect(receivers.page_published_index, dispatch_uid="search-page-published")
        page_unpublished.connect(receivers.page_gone_unindex, dispatch_uid="search-page-unpublished")
        page_deleted.connect(receivers.page_gone_unindex, dispatch_uid="search-page-deleted")
