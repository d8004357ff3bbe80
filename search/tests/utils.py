"""Helpers of the search tests: blocks, and pages published and indexed through the
content and search services."""

from django_tenants.utils import tenant_context


def page_publish_indexed(tenant, *, slug: str, title: str, blocks: list[dict], embedder=None):
    """Create, publish and index a page in `tenant` (inside the test's transaction,
    so the index service is called directly: on_commit never fires there)."""
    from content.services import page_create, page_publish
    from search.services import page_index

    with tenant_context(tenant):
        page = page_create(user=None, slug=slug, title=title, blocks=blocks)
        page_publish(page=page, user=None)
        page_index(page_id=page.pk, embedder=embedder)
    return page


def paragraph(text: str) -> dict:
    return {"type": "paragraph", "html": f"<p>{text}</p>"}


def heading(text: str) -> dict:
    return {"type": "heading", "text": text, "level": 2}
