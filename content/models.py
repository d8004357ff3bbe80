"""Pages are rows: the draft an editor works on and the published snapshot visitors see.

`blocks` and `nav` are JSON validated by `content.blocks` / `content.nav` in the services
(never in `save()`), so rows written another way (SQL, an older schema) may hold invalid
blocks: the renderer skips those instead of failing.
"""

import re

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

SLUG_INVALID = (
    "a slug is lowercase words of letters, digits, '-' or '_' separated by '/' "
    "(e.g. 'about/team'), or empty for the home page"
)
SLUG_PATTERN = r"^(?:[a-z0-9][a-z0-9_-]*(?:/[a-z0-9][a-z0-9_-]*)*)?$"
SLUG_RE = re.compile(SLUG_PATTERN)


class Page(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    # Unique -> a b-tree index: the page-by-slug lookup is one index scan at any row count.
    slug = models.CharField(
        max_length=255,
        unique=True,
        blank=True,
        validators=[RegexValidator(SLUG_PATTERN, SLUG_INVALID)],
        help_text="Path of the page without slashes around it: '' is the home page, 'about/team' is /about/team/.",
    )
    title = models.CharField(max_length=200)
    blocks = models.JSONField(default=list, blank=True)
    nav = models.JSONField(default=list, blank=True, help_text="The menu shown on this page: label, url, children.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)

    # What visitors see, copied from the draft by page_publish: editing never leaks.
    published_title = models.CharField(max_length=200, blank=True)
    published_blocks = models.JSONField(default=list, blank=True)
    published_nav = models.JSONField(default=list, blank=True)
    # What the published blocks' library images render as ({"<image id>": {src, srcset,
    # width, height, alt, ...} or null when deleted}), resolved by page_publish and again
    # whenever one of those images changes: the page view renders images without a query.
    published_images = models.JSONField(default=dict, blank=True)
    # The published blocks and nav as visitors see them ({"version", "blocks", "nav"}: HTML),
    # rendered by the services whenever the snapshot or its images change (content.rendering),
    # so a visitor's request reads one row and renders no block. Empty (a trigger empties it
    # when the JSON changes without it, migration 0004), or of another version (a release
    # that changed a block template), means "render from the JSON". The database default
    # serves rows inserted in SQL (bench/pages.py's filler pages).
    published_html = models.JSONField(default=dict, blank=True, db_default=models.Value({}, models.JSONField()))
    published_at = models.DateTimeField(null=True, blank=True)

    meta_description = models.CharField(max_length=300, blank=True)
    canonical_url = models.URLField(max_length=500, blank=True)
    social_image = models.URLField(max_length=500, blank=True)
    noindex = models.BooleanField(default=False, help_text="Ask search engines not to index this page.")

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return f"{self.title} (/{self.slug})"

    def get_absolute_url(self) -> str:
        return self.path

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def path(self) -> str:
        return f"/{self.slug}/" if self.slug else "/"


class PageRevision(models.Model):
    """A saved state of a page's draft; every save keeps one, any can be restored."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="revisions")
    title = models.CharField(max_length=200)
    blocks = models.JSONField(default=list)
    nav = models.JSONField(default=list)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["page", "-created_at"], name="content_rev_page_created")]

    def __str__(self) -> str:
        return f"{self.page_id} @ {self.created_at:%Y-%m-%d %H:%M:%S}"


class PageChange(models.Model):
    """What a page write still owes the rest of the product once it commits: drop the
    cached HTML of `slugs` and send `signal` (search re-indexes).

    The row is written in the write's own transaction (it exists if and only if the write
    committed) and deleted once its effects are done; with Redis down (cache and broker)
    it stays, and `content.tasks.page_changes_sweep` does it when Redis is back. A
    transactional outbox: no publish is lost, and a page is never served stale after an
    outage because its cache entry could not be dropped during it.
    """

    class Signal(models.TextChoices):
        NONE = "", "none"
        PUBLISHED = "published", "page_published"
        UNPUBLISHED = "unpublished", "page_unpublished"
        DELETED = "deleted", "page_deleted"

    page_id = models.BigIntegerField()  # not a key: the page may be deleted by now
    slug = models.CharField(max_length=255, blank=True)
    slugs = models.JSONField(default=list)
    signal = models.CharField(max_length=12, choices=Signal.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.signal or 'cache'} /{self.slug} @ {self.created_at:%Y-%m-%d %H:%M:%S}"
