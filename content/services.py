"""Writes of pages. The admin, the API and the demo all call these.

Every write validates everything first (slug, title, blocks, nav, SEO) and raises
`PageInvalid` (a Django ValidationError whose `.errors` carry JSON paths) before
touching a row, so a refused write leaves nothing behind. Each save keeps a
PageRevision. Side effects (cache invalidation, the signals other apps listen to) are
recorded as a PageChange in the write's transaction and run in `transaction.on_commit`
with the writer's tenant schema re-activated; what Redis being down kept from running is
run again by `page_changes_sweep` (beat, every minute).
"""

from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django_tenants.utils import schema_context
from redis import RedisError

from config.outage import outage_log
from content import signals
from content.blocks import blocks_image_refs, blocks_validate
from content.blocks.fields import url_check
from content.cache import page_cache_invalidate
from content.exceptions import PageInvalid
from content.models import SLUG_INVALID, SLUG_RE, Page, PageChange, PageRevision
from content.nav import nav_validate
from content.rendering import fragments_version, page_html_render
from images import selectors as image_selectors
from images import services as image_services

SLUG_TAKEN = "a page with this slug already exists"
TITLE_REQUIRED = "a title is required"
TITLE_TOO_LONG = "at most 200 characters"
META_DESCRIPTION_TOO_LONG = "at most 300 characters"
URL_HTTP_ONLY = "must be an absolute http(s) URL"
NOINDEX_NOT_BOOLEAN = "must be true or false"
FIELD_UNKNOWN = "unknown field"
IMAGE_UNKNOWN = "there is no image {id} in this site's media library (deleted?): choose another"
SWEEP_LIMIT = 1000  # changes applied per tenant per sweep

SEO_FIELDS = ("meta_description", "canonical_url", "social_image", "noindex")
_PUBLISH_FIELDS = (
    "blocks",
    "nav",
    "published_title",
    "published_blocks",
    "published_nav",
    "published_images",
    "published_html",
    "published_at",
    "status",
)
EDITABLE_FIELDS = ("slug", "title", "blocks", "nav", *SEO_FIELDS)


def _author(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _absolute_url_clean(value) -> str:
    value = url_check(str(value or ""))
    if value and not value.lower().startswith(("http://", "https://")):
        raise ValueError(URL_HTTP_ONLY)
    return value


def page_fields_validate(*, fields: dict, page: Page | None = None) -> dict:
    """Each given field validated and normalised; all problems raised together as
    PageInvalid. Forms call this in `clean()` to show errors before saving."""
    errors: list[dict] = []
    clean: dict = {}
    for name, value in fields.items():
        try:
            if name not in EDITABLE_FIELDS:
                raise ValueError(FIELD_UNKNOWN)
            if name == "slug":
                slug = str(value or "").strip().strip("/")
                if not SLUG_RE.match(slug):
                    raise ValueError(SLUG_INVALID)
                if Page.objects.filter(slug=slug).exclude(pk=page.pk if page else None).exists():
                    raise ValueError(SLUG_TAKEN)
                clean[name] = slug
            elif name == "title":
                title = str(value or "").strip()
                if not title:
                    raise ValueError(TITLE_REQUIRED)
                if len(title) > 200:
                    raise ValueError(TITLE_TOO_LONG)
                clean[name] = title
            elif name == "blocks":
                clean[name] = blocks_validate(value)
                errors.extend(_image_refs_check(clean[name]))
            elif name == "nav":
                clean[name] = nav_validate(value)
            elif name == "meta_description":
                text = " ".join(str(value or "").split())
                if len(text) > 300:
                    raise ValueError(META_DESCRIPTION_TOO_LONG)
                clean[name] = text
            elif name in ("canonical_url", "social_image"):
                clean[name] = _absolute_url_clean(value)
            elif name == "noindex":
                if not isinstance(value, bool):
                    raise ValueError(NOINDEX_NOT_BOOLEAN)
                clean[name] = value
        except PageInvalid as exc:
            errors.extend(exc.errors)
        except ValueError as exc:
            errors.append({"loc": [name], "msg": str(exc)})
    if errors:
        raise PageInvalid(errors)
    return clean


def _image_refs_check(blocks: list[dict]) -> list[dict]:
    """An error for each `image_id` that is not in this tenant's library (one query)."""
    refs = blocks_image_refs(blocks)
    if not refs:
        return []
    existing = image_selectors.image_ids_existing(image_ids=[pk for _, pk in refs])
    return [{"loc": loc, "msg": IMAGE_UNKNOWN.format(id=pk)} for loc, pk in refs if pk not in existing]


def _image_usage_keep(page: Page) -> None:
    """The images of the draft and of the published snapshot, for the library's "used on"."""
    refs = blocks_image_refs(page.blocks) + blocks_image_refs(page.published_blocks)
    image_services.image_usage_set(page_id=page.pk, image_ids=[pk for _, pk in refs])


def _revision_keep(page: Page, user) -> PageRevision:
    return PageRevision.objects.create(
        page=page, title=page.title, blocks=page.blocks, nav=page.nav, author=_author(user)
    )


_SIGNALS = {
    PageChange.Signal.PUBLISHED: signals.page_published,
    PageChange.Signal.UNPUBLISHED: signals.page_unpublished,
    PageChange.Signal.DELETED: signals.page_deleted,
}


def _changed(*, slugs, signal: str = PageChange.Signal.NONE, page_id: int, slug: str) -> None:
    """Record what this write owes once it commits (a PageChange, in the write's own
    transaction: call it inside the atomic block) and do it when the transaction commits,
    in the schema that is active now: the outer transaction may commit elsewhere."""
    change = PageChange.objects.create(page_id=page_id, slug=slug, slugs=sorted(set(slugs)), signal=signal)
    schema_name = connection.schema_name
    transaction.on_commit(lambda: page_change_apply(change=change, schema_name=schema_name))


def page_change_apply(*, change: PageChange, schema_name: str) -> bool:
    """Drop the change's cached pages, send its signal, then delete it. False when Redis
    (the cache) or a receiver (search, whose task cannot be queued without the broker)
    failed: the change stays for `page_changes_sweep`. Every step may run twice (a sweep
    after a crash): dropping a cache entry and re-indexing a page are idempotent."""
    with schema_context(schema_name):
        try:
            page_cache_invalidate(schema_name=schema_name, slugs=change.slugs)
        except RedisError as exc:
            outage_log("redis", "cached pages not dropped, the change waits for the sweep", exc)
            return False
        if change.signal:
            results = _SIGNALS[change.signal].send_robust(sender=Page, page_id=change.page_id, slug=change.slug)
            failures = [error for _, error in results if isinstance(error, Exception)]
            if failures:
                outage_log("broker", f"page_{change.signal} of page {change.page_id} waits for the sweep", failures[0])
                return False
        PageChange.objects.filter(pk=change.pk).delete()
    return True


def page_changes_sweep(*, grace_seconds: float) -> int:
    """Apply the current tenant's changes older than `grace_seconds` (younger ones may
    still be on their way through their own on_commit); returns how many were done."""
    cutoff = timezone.now() - timedelta(seconds=grace_seconds)
    done = 0
    for change in PageChange.objects.filter(created_at__lte=cutoff)[:SWEEP_LIMIT]:
        if not page_change_apply(change=change, schema_name=connection.schema_name):
            break  # Redis is still down: the rest can wait for the next sweep
        done += 1
    return done


def page_create(*, user, slug: str, title: str, blocks=(), nav=(), **seo) -> Page:
    """A new draft page (publish it with page_publish) and its first revision."""
    clean = page_fields_validate(fields={"slug": slug, "title": title, "blocks": blocks, "nav": nav, **seo})
    try:
        with transaction.atomic():
            page = Page.objects.create(**clean)
            _revision_keep(page, user)
            _image_usage_keep(page)
            _changed(slugs=[page.slug], page_id=page.pk, slug=page.slug)
    except IntegrityError:  # a concurrent writer took the slug between the check and the insert
        raise PageInvalid([{"loc": ["slug"], "msg": SLUG_TAKEN}]) from None
    return page


def page_update(*, page: Page, user, **fields) -> Page:
    """Change the draft (and SEO fields); visitors see the change after page_publish.

    SEO fields and the slug are not part of the snapshot: they apply at once, so the
    cached page is dropped on every save. Moving a published page re-announces it
    (`page_published` with the new slug) so the search index follows it."""
    clean = page_fields_validate(fields=fields, page=page)
    old_slug = page.slug
    for name, value in clean.items():
        setattr(page, name, value)
    moved = page.slug != old_slug and page.is_published
    try:
        with transaction.atomic():
            update_fields = [*clean, "updated_at"]
            if moved:
                # The menu marks the page's own link (aria-current): render it at its new
                # path, from the stored snapshot (the caller's copy may be stale).
                stored = Page.objects.select_for_update().get(pk=page.pk)
                stored.slug = page.slug
                _html_render(stored)
                page.published_html = stored.published_html
                update_fields.append("published_html")
            # Only the changed fields: a stale instance must not write back an old
            # published snapshot or status over a publish that happened meanwhile.
            page.save(update_fields=update_fields)
            _revision_keep(page, user)
            if "blocks" in clean:
                _image_usage_keep(page)
            _changed(
                slugs={old_slug, page.slug},
                signal=PageChange.Signal.PUBLISHED if moved else PageChange.Signal.NONE,
                page_id=page.pk,
                slug=page.slug,
            )
    except IntegrityError:
        page.slug = old_slug
        raise PageInvalid([{"loc": ["slug"], "msg": SLUG_TAKEN}]) from None
    return page


def page_publish(*, page: Page, user) -> Page:
    """Copy the draft into the published snapshot; the next request shows it.

    What is published is the stored draft (the row is re-read under a lock), not the
    caller's copy, which may be stale. The draft is validated again: a row edited around
    the services (SQL, an older block schema) is refused rather than shown half-broken."""
    with transaction.atomic():
        stored = Page.objects.select_for_update().get(pk=page.pk)
        clean = page_fields_validate(fields={"blocks": stored.blocks, "nav": stored.nav}, page=stored)
        stored.blocks, stored.nav = clean["blocks"], clean["nav"]
        stored.published_title = stored.title
        stored.published_blocks = stored.blocks
        stored.published_nav = stored.nav
        stored.published_images = _images_resolve(stored.published_blocks)
        _html_render(stored)
        stored.published_at = timezone.now()
        stored.status = Page.Status.PUBLISHED
        stored.save(update_fields=[*_PUBLISH_FIELDS, "updated_at"])
        _image_usage_keep(stored)
        _changed(slugs=[stored.slug], signal=PageChange.Signal.PUBLISHED, page_id=stored.pk, slug=stored.slug)
    for name in (*_PUBLISH_FIELDS, "title", "slug", "updated_at"):
        setattr(page, name, getattr(stored, name))
    if stored.published_images:
        # An image that changed while this transaction ran (its renditions finished, say)
        # re-rendered the pages it could see committed, not this one: look again.
        schema_name = connection.schema_name
        transaction.on_commit(lambda: page_images_refresh(schema_name=schema_name, page_ids=[page.pk]))
    return page


def _html_render(page: Page) -> None:
    """Render the published snapshot for visitors (content.rendering): every write that
    changes what a visitor sees without a publish calls this too."""
    page.published_html = page_html_render(
        blocks=page.published_blocks, nav=page.published_nav, images=page.published_images, path=page.path
    )


def pages_html_refresh() -> int:
    """Render the stored HTML of the current tenant's published pages that have none (rows
    from before it existed, or emptied by the trigger after a write around the services)
    or whose HTML an older release's templates rendered; returns how many. Until then such
    pages are rendered from their JSON on every uncached request: correct, only slower.
    `manage.py content_render` runs it for every tenant (bin/run does, after migrating)."""
    version = fragments_version()
    stale = Q(published_html__version__isnull=True) | ~Q(published_html__version=version)
    done = 0
    for pk in Page.objects.filter(stale, status=Page.Status.PUBLISHED).values_list("pk", flat=True).iterator():
        with transaction.atomic():
            page = Page.objects.select_for_update().filter(pk=pk, status=Page.Status.PUBLISHED).first()
            if page is None:  # unpublished meanwhile
                continue
            _html_render(page)
            page.save(update_fields=["published_html"])
            _changed(slugs=[page.slug], page_id=page.pk, slug=page.slug)
        done += 1
    return done


def _images_resolve(blocks) -> dict:
    return image_selectors.image_render_map(image_ids=[pk for _, pk in blocks_image_refs(blocks)])


def page_images_refresh(*, schema_name: str, image_ids=(), page_ids=()) -> int:
    """Re-resolve the library images of published pages that show `image_ids` (or of
    `page_ids`), in the tenant `schema_name`; pages whose images render differently now
    are saved and their cached HTML dropped. Returns how many pages changed.

    Called after an image changed (the library's `images_changed` signal) and after a
    publish: both run after their own commit, so whichever commits last sees the other."""
    with schema_context(schema_name):
        ids = set(page_ids) | set(image_selectors.image_usage_page_ids(image_ids=image_ids))
        if not ids:
            return 0
        changed = []
        with transaction.atomic():
            pages = list(Page.objects.select_for_update().filter(pk__in=ids, status=Page.Status.PUBLISHED))
            refs = {page.pk: [pk for _, pk in blocks_image_refs(page.published_blocks)] for page in pages}
            resolved = image_selectors.image_render_map(image_ids=[pk for pks in refs.values() for pk in pks])
            for page in pages:
                images = {str(pk): resolved[str(pk)] for pk in refs[page.pk]}
                if images != page.published_images:
                    page.published_images = images
                    _html_render(page)
                    page.save(update_fields=["published_images", "published_html", "updated_at"])
                    _changed(slugs=[page.slug], page_id=page.pk, slug=page.slug)
                    changed.append(page.slug)
        return len(changed)


def images_changed_receive(sender, *, image_ids, **kwargs) -> None:
    """The media library's `images_changed` (sent after its commit, tenant active)."""
    page_images_refresh(schema_name=connection.schema_name, image_ids=image_ids)


def page_unpublish(*, page: Page, user) -> Page:
    """Hide the page from visitors (404); the draft and the last snapshot stay."""
    page.status = Page.Status.DRAFT
    with transaction.atomic():
        page.save(update_fields=["status", "updated_at"])
        _changed(slugs=[page.slug], signal=PageChange.Signal.UNPUBLISHED, page_id=page.pk, slug=page.slug)
    return page


def page_delete(*, page: Page, user) -> None:
    page_id, slug = page.pk, page.slug
    with transaction.atomic():
        # The page row first, as every writer of its rows does (the search index locks it
        # before its chunks): Django's delete removes the related rows before the page,
        # and a chunk locked here while the indexer held the page was a deadlock.
        Page.objects.select_for_update().filter(pk=page_id).first()
        page.delete()
        _changed(slugs=[slug], signal=PageChange.Signal.DELETED, page_id=page_id, slug=slug)


def page_revision_restore(*, revision: PageRevision, user) -> Page:
    """Put a revision's title, blocks and nav back into the draft (a new revision is
    kept, so a restore can itself be undone). Publishing stays a separate step."""
    return page_update(page=revision.page, user=user, title=revision.title, blocks=revision.blocks, nav=revision.nav)
