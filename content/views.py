"""Visitors' pages: the catch-all page view, the draft preview, sitemap.xml, robots.txt.

A visitor's request for a cached page costs no SQL and one Redis round trip (content.cache).
A miss costs one query (the published row, by the unique slug index), whose blocks and nav
were rendered at publish (content.rendering): the request only fills the shell. Logged-in
staff bypass the cache and render from the JSON, so they see warnings about broken blocks.
"""

import hashlib
import zlib

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from analytics.counting import request_view_counted
from content import selectors
from content.cache import page_cache_get, page_cache_set
from content.models import SLUG_RE, Page
from content.rendering import nav_html, page_html_current
from content.templatetags.content_tags import render_blocks

_ENTRY_VERSION = 1  # bump when the shape of a page cache entry changes


# Hues that read well as an accent on white (violet, teal, amber, rose, sky, green, blue, gold).
_ACCENT_HUES = (262, 168, 28, 343, 199, 142, 217, 45)


def _accent_hue(request) -> int:
    """A per-tenant accent colour, so two sites on the default design don't look alike."""
    return _ACCENT_HUES[zlib.crc32(request.tenant.schema_name.encode()) % len(_ACCENT_HUES)]


def _is_staff(request) -> bool:
    """Only a request carrying a session cookie can be staff; anonymous visitors are
    answered without touching the session (no SQL)."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    return bool(request.user.is_active and request.user.is_staff)


def _page_html(
    request,
    *,
    title,
    page: Page,
    blocks=None,
    nav=None,
    images: dict | None = None,
    html: dict | None = None,
    warnings: bool,
    preview: bool = False,
) -> str:
    """The page in the site's shell. Visitors get `html`, the blocks and nav rendered at
    publish (content.rendering); staff and previews render `blocks` and `nav` here, with
    warnings for what visitors do not see."""
    if html is None:
        context = {"images": images or {}, "block_warnings": warnings}
        html = {
            "blocks": render_blocks(context, blocks),
            "nav": nav_html(nav, current=page.path),
        }
    return render_to_string(
        "pages/page.html",
        {
            "tenant_name": request.tenant.name,
            "accent_hue": _accent_hue(request),
            "title": title,
            "blocks_html": mark_safe(html["blocks"]),  # noqa: S308 (rendered by our templates)
            "nav_html": mark_safe(html["nav"]),  # noqa: S308 (rendered by our templates)
            "page": page,
            "block_warnings": warnings,
            "preview": preview,
        },
        # Visitors' pages need no context processors (no user, no CSRF token, no messages).
        request=request if warnings else None,
    )


def _entry(request, html: str, page: Page) -> dict:
    body = html.encode()
    return {
        # The page shows the tenant's name: an entry rendered before a rename is stale.
        "tenant_name": request.tenant.name,
        "version": _ENTRY_VERSION,
        "body": body,
        "etag": f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"',
        "last_modified": int(page.updated_at.timestamp()),
    }


def _response(request, entry: dict, *, staff: bool = False) -> HttpResponse:
    response = get_conditional_response(request, etag=entry["etag"], last_modified=entry["last_modified"])
    if response is None:
        response = HttpResponse(entry["body"], content_type="text/html; charset=utf-8")
    response["ETag"] = entry["etag"]
    response["Last-Modified"] = http_date(entry["last_modified"])
    # Browsers keep the page and revalidate it (a 304 while it is unchanged).
    response["Cache-Control"] = "private, no-store" if staff else "no-cache"
    return response


def cached_page_response(request, slug: str) -> HttpResponse | None:
    """The visitor's response for `slug` from the page cache, or None on a miss (the
    generation read is kept on the request for the store after rendering). Used by the
    page view and, before sessions and auth, by CachedPageMiddleware."""
    entry, request.page_cache_generation = page_cache_get(slug)
    request.page_cache_missed = True
    # An entry from before a rename, or written by an older release, is a miss.
    if (
        isinstance(entry, dict)
        and entry.get("tenant_name") == request.tenant.name
        and entry.get("version") == _ENTRY_VERSION
    ):
        return _response(request, entry)
    return None


def visitor_page_response(request, slug: str) -> HttpResponse | None:
    """An anonymous visitor's page from the database (after a cache miss, or with the
    cache off): one query for the row, whose blocks and nav were rendered at publish; the
    answer is cached. None when no page is published at `slug` (the view answers 404)."""
    try:
        found = selectors.page_published_visitor_get(slug=slug)
    except Page.DoesNotExist:
        return None
    html = page_html_current(found)
    if html is None:  # written around the services, or by a release with other templates
        found.refresh_from_db(fields=["published_blocks", "published_nav", "published_images"])
    body = _page_html(
        request,
        title=found.published_title,
        page=found,
        html=html,
        blocks=None if html else found.published_blocks,
        nav=None if html else found.published_nav,
        images=None if html else found.published_images,
        warnings=False,
    )
    entry = _entry(request, body, found)
    page_cache_set(slug, entry, generation=getattr(request, "page_cache_generation", None))
    return _response(request, entry)


def page_not_found(request) -> HttpResponse:
    """The tenant's own 404 page (its name and home navigation), never another tenant's."""
    home = selectors.page_list(status=Page.Status.PUBLISHED).filter(slug="").values_list("published_nav", flat=True)
    html = render_to_string(
        "pages/404.html",
        {"tenant_name": request.tenant.name, "accent_hue": _accent_hue(request), "nav": next(iter(home), [])},
        request=request,
    )
    return HttpResponse(html, status=404)


def _home_placeholder(request) -> HttpResponse:
    """A new tenant's address answers with its name and a "coming soon" page (200), not
    an error, until its editors publish a home page."""
    html = render_to_string(
        "pages/coming_soon.html",
        {"tenant_name": request.tenant.name, "accent_hue": _accent_hue(request), "nav": []},
        request=request,
    )
    return HttpResponse(html)


@require_safe
def page(request, path: str = ""):
    slug = path.strip("/")
    if not SLUG_RE.match(slug):
        return page_not_found(request)
    if path and not path.endswith("/"):
        return HttpResponsePermanentRedirect(f"/{slug}/")
    if not _is_staff(request):
        if not getattr(request, "page_cache_missed", False):  # else CachedPageMiddleware asked
            cached = cached_page_response(request, slug)
            if cached is not None:
                request_view_counted(request, slug)
                return cached
        response = None if getattr(request, "page_not_published", False) else visitor_page_response(request, slug)
        if response is not None:
            request_view_counted(request, slug)
            return response
        return page_not_found(request) if slug else _home_placeholder(request)
    # Staff bypass the cache and see warnings about what visitors do not see.
    try:
        found = selectors.page_published_get(slug=slug)
    except Page.DoesNotExist:
        return page_not_found(request) if slug else _home_placeholder(request)
    html = _page_html(
        request,
        title=found.published_title,
        blocks=found.published_blocks,
        nav=found.published_nav,
        images=found.published_images,
        page=found,
        warnings=True,
    )
    return _response(request, _entry(request, html, found), staff=True)


@staff_member_required
def page_preview(request, page_id: int):
    """The draft as it would look once published (staff only, never cached)."""
    draft = get_object_or_404(Page, pk=page_id)
    html = _page_html(
        request,
        title=draft.title,
        blocks=draft.blocks,
        nav=draft.nav,
        images=selectors.page_draft_images(page=draft),
        page=draft,
        warnings=True,
        preview=True,
    )
    response = HttpResponse(html)
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


class PageSitemap(Sitemap):
    """Published, indexable pages of the request's tenant."""

    def items(self):
        return selectors.page_sitemap_entries()

    def location(self, item):
        return item.path

    def lastmod(self, item):
        return item.published_at


def sitemap(request):
    return sitemap_view(request, sitemaps={"pages": PageSitemap()})


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /_preview/",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def bench_hello(request):
    """A minimal view through the same middleware, the baseline of bench/pages.py
    (routed only when CONTENT_BENCH_HELLO is on)."""
    return HttpResponse(b"hello", content_type="text/plain")
