"""A visitor's page as an HTTP response: from the page cache, or rendered from its row.

Shared by the page view and `content.middleware.CachedPageMiddleware` (which answers
anonymous visitors before sessions and auth), so the middleware needs no view. A hit
costs no SQL and one Redis round trip (content.cache); a miss one query (the published
row, whose blocks and nav were rendered at publish: content.rendering), and the request
only fills the shell (the site's frame, content.frame, and the page's title and SEO tags).
"""

import hashlib

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.safestring import mark_safe

from content import selectors
from content.cache import page_cache_get, page_cache_set
from content.frame import site_frame
from content.models import Page
from content.rendering import nav_html, page_html_current
from content.shell import visitor_page_shell
from content.templatetags.content_tags import render_blocks

_ENTRY_VERSION = 1  # bump when the shape of a page cache entry changes


def is_anonymous(request) -> bool:
    """A request without a session cookie is an anonymous visitor: it is answered
    without touching the session (no SQL). Only one with a cookie can be staff."""
    return settings.SESSION_COOKIE_NAME not in request.COOKIES


def is_staff(request) -> bool:
    return not is_anonymous(request) and bool(request.user.is_active and request.user.is_staff)


def page_html(
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
            **site_frame(tenant=request.tenant, home_nav=False),  # the page brings its own menu
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


def page_entry(request, html: str, page: Page) -> dict:
    """What the page cache keeps of a rendered page (and what a response is built from)."""
    body = html.encode()
    return {
        # The page shows the tenant's name: an entry rendered before a rename is stale.
        "tenant_name": request.tenant.name,
        "version": _ENTRY_VERSION,
        "body": body,
        "etag": f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"',
        "last_modified": int(page.updated_at.timestamp()),
    }


def page_response(request, entry: dict, *, staff: bool = False) -> HttpResponse:
    """The entry as a response with its ETag and Last-Modified (a 304 when the browser's
    copy is current)."""
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
    generation read is kept on the request for the store after rendering)."""
    entry, request.page_cache_generation = page_cache_get(slug)
    request.page_cache_missed = True
    # An entry from before a rename, or written by an older release, is a miss.
    if (
        isinstance(entry, dict)
        and entry.get("tenant_name") == request.tenant.name
        and entry.get("version") == _ENTRY_VERSION
    ):
        return page_response(request, entry)
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
    if html is not None:  # the shell written without the template engine (content.shell)
        body = visitor_page_shell(tenant=request.tenant, page=found, title=found.published_title, html=html)
    else:  # written around the services, or by a release with other templates
        found.refresh_from_db(fields=["published_blocks", "published_nav", "published_images"])
        body = page_html(
            request,
            title=found.published_title,
            page=found,
            blocks=found.published_blocks,
            nav=found.published_nav,
            images=found.published_images,
            warnings=False,
        )
    entry = page_entry(request, body, found)
    page_cache_set(slug, entry, generation=getattr(request, "page_cache_generation", None))
    return page_response(request, entry)
