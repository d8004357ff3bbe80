"""The site's frame: what every page of a tenant's site shows around its content.

The tenant's name, its accent colour and (on pages that have no menu of their own: the
404 page, the search page) the home page's menu. Pages, "coming soon", the 404 page and
search (search/views.py) all take it from here, so the sites look the same everywhere.
"""

import zlib

from content import selectors

# Hues that read well as an accent on white (violet, teal, amber, rose, sky, green, blue, gold).
_ACCENT_HUES = (262, 168, 28, 343, 199, 142, 217, 45)


def accent_hue(tenant) -> int:
    """A per-tenant accent colour, so two sites on the default design don't look alike."""
    return _ACCENT_HUES[zlib.crc32(tenant.schema_name.encode()) % len(_ACCENT_HUES)]


def site_frame(*, tenant, home_nav: bool = True) -> dict:
    """The template context of the frame (`templates/base.html`). `home_nav` adds the
    published home page's menu as `nav` (one query); a page that brings its own menu, or
    has none, passes False and costs no SQL."""
    frame = {"tenant_name": tenant.name, "accent_hue": accent_hue(tenant)}
    if home_nav:
        frame["nav"] = selectors.page_home_nav()
    return frame
