"""Pages: list, read, create, replace, patch, delete, publish, revisions; and the published
snapshot for headless front-ends.

Thin callers of content.services / content.selectors. Addressing: the slug is the path
(`/api/pages/about/team`); the home page's empty slug is `_home` (a slug never starts
with `_`). Actions follow GitLab's `/-/` separator (`/api/pages/about/team/-/publish`): a slug
segment never is `-`, so a page called "publish" never collides with an action.

Blocks are documented as the union of block types discriminated by `type`, but validated
by content.blocks_validate (the admin's validator) in the service, so every error has its
JSON path (`["body", "blocks", 3, "level"]`) and nothing is written when one block is bad.
"""

from datetime import datetime
from typing import Annotated, Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Field, PatchDict, Query, Router, Schema, Status
from pydantic import TypeAdapter

from api.auth import ApiKeyAuth, JWTAuth
from api.errors import Problem, codes_4xx
from api.permissions import permission_require
from api.renderers import JSON_CONTENT_TYPE, json_render
from api.replay import api_replay_mark
from content import selectors, services
from content.blocks import Block
from content.cache import generation_get, page_draft_json_cache_key, page_json_cache_key, page_json_cache_set
from content.models import SLUG_RE, Page, PageRevision
from content.nav import NavItem

HOME_SLUG = "_home"
SLUG_MAX_LENGTH = Page._meta.get_field("slug").max_length

router = Router(tags=["pages"])
# Drafts: users with model permissions, or keys allowed to write pages.
MANAGE = [JWTAuth(), ApiKeyAuth("pages:write")]


def _json_prefetch(cache_key):
    """The cached JSON of the page asked for (`cache_key(slug)`), read in the
    authentication's Redis round trip (a hit then costs no SQL and no second round trip).
    Only for a slug that can exist."""

    def prefetch(request: HttpRequest) -> list[str]:
        slug = _slug((request.resolver_match.kwargs if request.resolver_match else {}).get("slug", ""))
        if not settings.CONTENT_PAGE_CACHE or len(slug) > SLUG_MAX_LENGTH or not SLUG_RE.match(slug):
            return []
        return [cache_key(slug)]

    return prefetch


def _json_cached(request: HttpRequest, key: str, render, *, replayable: bool = False) -> HttpResponse:
    """The JSON body at `key` if the authentication's round trip read it, else `render()`'s
    (it reads the row), kept unless the page changed meanwhile (content.cache).
    `replayable`: an answer from the cached JSON to an API key may be replayed (api.replay)."""
    body = getattr(request, "api_prefetched", {}).get(key)
    if body is None:
        generation = generation_get()  # before the row: a change after it is not stored over
        body = render()
        page_json_cache_set(key, body, generation=generation)
    elif replayable:
        api_replay_mark(request, key=key, body=body)
    return HttpResponse(body, content_type=JSON_CONTENT_TYPE)


# The published snapshot (what visitors see anyway): any user of the tenant, or a read key.
READ_PUBLISHED = [JWTAuth(), ApiKeyAuth("pages:read")]
READ_PUBLISHED_PAGE = [
    JWTAuth(prefetch=_json_prefetch(page_json_cache_key)),
    ApiKeyAuth("pages:read", prefetch=_json_prefetch(page_json_cache_key)),
]
# The draft read (MANAGE's callers), its JSON cached the same way.
READ_DRAFT = [
    JWTAuth(prefetch=_json_prefetch(page_draft_json_cache_key)),
    ApiKeyAuth("pages:write", prefetch=_json_prefetch(page_draft_json_cache_key)),
]


class _DocumentedAs:
    """Publish `tp` in the OpenAPI document while accepting any list: the service validates
    with the shared block validator, whose errors carry JSON paths into the list."""

    def __init__(self, tp) -> None:
        self.core = TypeAdapter(tp).core_schema

    def __get_pydantic_json_schema__(self, core_schema, handler):
        return handler(self.core)


Blocks = Annotated[list[Any], _DocumentedAs(list[Block])]
Nav = Annotated[list[Any], _DocumentedAs(list[NavItem])]


def _slug(slug: str) -> str:
    return "" if slug == HOME_SLUG else slug


class PageIn(Schema):
    slug: str = Field(max_length=255, description=f"Path without slashes; '' (or {HOME_SLUG!r} in URLs) is home.")
    title: str = Field(max_length=200)
    blocks: Blocks = []
    nav: Nav = []
    meta_description: str = ""
    canonical_url: str = ""
    social_image: str = ""
    noindex: bool = False


class PageOut(Schema):
    id: int
    slug: str
    title: str
    status: Page.Status
    blocks: Blocks
    nav: Nav
    meta_description: str
    canonical_url: str
    social_image: str
    noindex: bool
    published_title: str
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime


class PageListItem(Schema):
    id: int
    slug: str
    title: str
    status: Page.Status
    published_at: datetime | None
    updated_at: datetime


class PageList(Schema):
    count: int
    items: list[PageListItem]


class PageListQuery(Schema):
    status: Page.Status | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class PublishedPageOut(Schema):
    slug: str
    title: str = Field(alias="published_title")
    blocks: Blocks = Field(alias="published_blocks")
    nav: Nav = Field(alias="published_nav")
    images: dict[str, dict[str, Any] | None] = Field(
        alias="published_images",
        description="The blocks' library images by `image_id`: `src`, `srcset` (and `webp`), `width`, `height`, "
        "`alt`, `ready`; null for an image deleted since (show nothing).",
    )
    published_at: datetime | None
    meta_description: str
    canonical_url: str
    social_image: str
    noindex: bool


class PublishedPageList(Schema):
    count: int
    items: list[PublishedPageOut]


class RevisionOut(Schema):
    id: int
    title: str
    blocks: Blocks
    nav: Nav
    author: str | None
    created_at: datetime

    @staticmethod
    def resolve_author(revision: PageRevision) -> str | None:
        return revision.author.get_username() if revision.author else None


def _page(slug: str) -> Page:
    return selectors.page_get(slug=_slug(slug))


@router.get("", response={200: PageList, codes_4xx: Problem}, auth=MANAGE)
def page_list(request: HttpRequest, query: Query[PageListQuery]):
    """Pages by slug, drafts included, `limit`/`offset` paginated, optionally one `status`."""
    permission_require(request, "content.view_page")
    pages = selectors.page_list(status=query.status)
    return {"count": pages.count(), "items": list(pages[query.offset : query.offset + query.limit])}


@router.post("", response={201: PageOut, codes_4xx: Problem}, auth=MANAGE)
def page_create(request: HttpRequest, payload: PageIn):
    """A new draft page; publish it with `/-/publish`."""
    permission_require(request, "content.add_page")
    page = services.page_create(user=request.user, **payload.dict())
    return Status(201, page)


@router.get("/{path:slug}/-/revisions", response={200: list[RevisionOut], codes_4xx: Problem}, auth=MANAGE)
def page_revision_list(request: HttpRequest, slug: str):
    """Saved states of the draft, newest first."""
    permission_require(request, "content.view_page")
    return list(selectors.page_revisions(page=_page(slug)))


@router.post("/{path:slug}/-/revisions/{revision_id}/restore", response={200: PageOut, codes_4xx: Problem}, auth=MANAGE)
def page_revision_restore(request: HttpRequest, slug: str, revision_id: int):
    """Put a revision back into the draft (kept as a new revision; publish separately)."""
    permission_require(request, "content.change_page")
    revision = selectors.page_revisions(page=_page(slug)).get(pk=revision_id)
    return services.page_revision_restore(revision=revision, user=request.user)


@router.post("/{path:slug}/-/publish", response={200: PageOut, codes_4xx: Problem}, auth=MANAGE)
def page_publish(request: HttpRequest, slug: str):
    """Copy the draft into the published snapshot that visitors and `pages:read` keys see."""
    permission_require(request, "content.change_page")
    return services.page_publish(page=_page(slug), user=request.user)


@router.post("/{path:slug}/-/unpublish", response={200: PageOut, codes_4xx: Problem}, auth=MANAGE)
def page_unpublish(request: HttpRequest, slug: str):
    permission_require(request, "content.change_page")
    return services.page_unpublish(page=_page(slug), user=request.user)


@router.get("/{path:slug}", response={200: PageOut, codes_4xx: Problem}, auth=READ_DRAFT)
def page_get(request: HttpRequest, slug: str):
    """The page at `slug` with its draft (`_home` for the home page)."""
    permission_require(request, "content.view_page")
    slug = _slug(slug)
    return _json_cached(
        request,
        page_draft_json_cache_key(slug),
        lambda: json_render(PageOut.model_validate(selectors.page_draft_get(slug=slug)).model_dump()),
    )


@router.put("/{path:slug}", response={200: PageOut, codes_4xx: Problem}, auth=MANAGE)
def page_replace(request: HttpRequest, slug: str, payload: PageIn):
    """Replace every editable field (omitted optional fields are reset to their defaults)."""
    permission_require(request, "content.change_page")
    return services.page_update(page=_page(slug), user=request.user, **payload.dict())


@router.patch("/{path:slug}", response={200: PageOut, codes_4xx: Problem}, auth=MANAGE)
def page_patch(request: HttpRequest, slug: str, payload: PatchDict[PageIn]):
    """Change only the fields sent."""
    permission_require(request, "content.change_page")
    return services.page_update(page=_page(slug), user=request.user, **payload)


@router.delete("/{path:slug}", response={204: None, codes_4xx: Problem}, auth=MANAGE)
def page_delete(request: HttpRequest, slug: str):
    permission_require(request, "content.delete_page")
    services.page_delete(page=_page(slug), user=request.user)
    return Status(204, None)


published_router = Router(tags=["published pages"])


class PublishedListQuery(Schema):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


@published_router.get("", response={200: PublishedPageList, codes_4xx: Problem}, auth=READ_PUBLISHED)
def published_page_list(request: HttpRequest, query: Query[PublishedListQuery]):
    """Published pages by slug, as visitors see them (headless front-ends, `pages:read` keys)."""
    pages = selectors.page_list(status=Page.Status.PUBLISHED)
    return {"count": pages.count(), "items": list(pages[query.offset : query.offset + query.limit])}


@published_router.get("/{path:slug}", response={200: PublishedPageOut, codes_4xx: Problem}, auth=READ_PUBLISHED_PAGE)
def published_page_get(request: HttpRequest, slug: str):
    """The published snapshot at `slug`; drafts and unpublished pages are 404."""
    slug = _slug(slug)
    return _json_cached(
        request,
        page_json_cache_key(slug),
        lambda: json_render(PublishedPageOut.model_validate(selectors.page_published_get(slug=slug)).model_dump()),
        replayable=True,
    )
