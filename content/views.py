"""Visitors' pages: the catch-all page view, the draft preview, sitemap.xml, robots.txt.

A visitor's request for a cached page costs no SQL and one Redis round trip (content.cache).
A miss costs one query (the published row, by the unique slug index), whose blocks and nav
were rendered at publish (content.rendering): the request only fills the shell (both in
content.responses, shared with content.middleware). Logged-in staff bypass the cache and
render from the JSON, so they see warnings about broken blocks.
"""

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe

from analytics.counting import request_view_counted
from content import selectors
from content.frame import site_frame
from content.models import SLUG_RE, Page
from content.responses import (
    cached_page_response,
    is_staff,
    page_entry,
    page_html,
    page_response,
    visitor_page_response,
)


def page_not_found(request) -> HttpResponse:
    """The tenant's own 404 page (its name and home navigation), never another tenant's."""
    html = render_to_string("pages/404.html", site_frame(tenant=request.tenant), request=request)
    return HttpResponse(html, status=404)


def _home_placeholder(request) -> HttpResponse:
    """A new tenant's address answers with its name and a "coming soon" page (200), not
    an error, until its editors publish a home page."""
    # No home page is published, so there is no menu to show.
    html = render_to_string(
        "pages/coming_soon.html", {**site_frame(tenant=request.tenant, home_nav=False), "nav": []}, request=request
    )
    return HttpResponse(html)


@require_safe
def page(request, path: str = ""):
    slug = path.strip("/")
    if not SLUG_RE.match(slug):
        return page_not_found(request)
    if path and not path.endswith("/"):
        return HttpResponsePermanentRedirect(f"/{slug}/")
    if not is_staff(request):
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
    html = page_html(
        request,
        title=found.published_title,
        blocks=found.published_blocks,
        nav=found.published_nav,
        images=found.published_images,
        page=found,
        warnings=True,
    )
    return page_response(request, page_entry(request, html, found), staff=True)


@staff_member_required
def page_preview(request, page_id: int):
    """The draft as it would look once published (staff only, never cached)."""
    draft = get_object_or_404(Page, pk=page_id)
    html = page_html(
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
