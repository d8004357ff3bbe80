"""Reads of pages. Each is one query (the draft's images two); the slug lookups use the unique index."""

from django.db import connection
from django.db.models import QuerySet

from content.blocks import blocks_image_refs
from content.models import Page, PageRevision
from images.selectors import image_render_map

# What the page view needs from a row on a cache miss (the draft stays in the database).
_PUBLISHED_FIELDS = (
    "id",
    "slug",
    "status",
    "published_title",
    "published_blocks",
    "published_nav",
    "published_images",
    "published_at",
    "updated_at",
    "meta_description",
    "canonical_url",
    "social_image",
    "noindex",
)


def page_list(*, status: str | None = None) -> QuerySet[Page]:
    """All pages by slug, optionally only `status` ("draft" / "published")."""
    pages = Page.objects.all()
    if status is not None:
        pages = pages.filter(status=status)
    return pages.order_by("slug")


def page_home_nav() -> list:
    """The published home page's menu ([] before a home page is published): the menu of
    pages without one of their own (the 404 page, search)."""
    home = Page.objects.filter(slug="", status=Page.Status.PUBLISHED).values_list("published_nav", flat=True)
    return next(iter(home), [])


def page_get(*, slug: str) -> Page:
    """The page (draft and all) at `slug`; raises Page.DoesNotExist."""
    return Page.objects.get(slug=slug)


def page_draft_get(*, slug: str) -> Page:
    """The page at `slug` without its published snapshot (the API's draft read: the
    snapshot's JSON would be decoded for nothing); raises Page.DoesNotExist."""
    return Page.objects.defer("published_blocks", "published_nav", "published_images").get(slug=slug)


def page_published_get(*, slug: str) -> Page:
    """The published page at `slug`, loading only what visitors see; raises Page.DoesNotExist."""
    return Page.objects.only(*_PUBLISHED_FIELDS).get(slug=slug, status=Page.Status.PUBLISHED)


# A visitor's page: the stored HTML and the shell's fields, not the JSON it was rendered from.
_VISITOR = {
    "id",
    "slug",
    "status",
    "published_title",
    "published_html",
    "updated_at",
    "meta_description",
    "canonical_url",
    "social_image",
    "noindex",
}
# In the model's field order, as Model.from_db expects them.
_VISITOR_FIELDS = tuple(field.attname for field in Page._meta.concrete_fields if field.attname in _VISITOR)
_VISITOR_SQL = (
    f"SELECT {', '.join(_VISITOR_FIELDS)} FROM {Page._meta.db_table} "  # noqa: S608 (constants)
    "WHERE slug = %s AND status = %s"
)
_HTML_INDEX = _VISITOR_FIELDS.index("published_html")


def page_published_visitor_get(*, slug: str) -> Page:
    """The published page at `slug` as a visitor's request needs it (its HTML rendered at
    publish, see content.rendering; the other fields deferred); raises Page.DoesNotExist.

    One query, in SQL: the ORM's query building cost five times the query's round trip
    here (bench/pages.py), on the path every uncached visitor takes; prepared on the
    connection, so PostgreSQL parses and plans it once (config.postgresql)."""
    with connection.prepared_cursor() as cursor:
        cursor.execute(_VISITOR_SQL, [slug, Page.Status.PUBLISHED])
        row = cursor.fetchone()
    if row is None:
        raise Page.DoesNotExist(slug)
    values = list(row)
    values[_HTML_INDEX] = _HTML_FIELD.from_db_value(values[_HTML_INDEX], None, connection)
    return Page.from_db(connection.alias, _VISITOR_FIELDS, values)


_HTML_FIELD = Page._meta.get_field("published_html")


def page_revisions(*, page: Page) -> QuerySet[PageRevision]:
    """Revisions of `page`, newest first."""
    return PageRevision.objects.filter(page=page).select_related("author").order_by("-created_at", "-id")


def page_sitemap_entries() -> QuerySet[Page]:
    """Every indexable published page (slug and date only), for sitemap.xml."""
    return (
        Page.objects.filter(status=Page.Status.PUBLISHED, noindex=False).order_by("slug").only("slug", "published_at")
    )


def page_draft_images(*, page: Page) -> dict:
    """The draft's library images as the published page would store them (for previews)."""
    return image_render_map(image_ids=[pk for _, pk in blocks_image_refs(page.blocks)])
