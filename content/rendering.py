"""A published page's blocks and nav rendered once, when they change, not per request.

The services call `page_html_render` whenever a page's published snapshot changes
(publish) or what it shows changes without a publish (one of its library images: its
renditions, alt text, focal point, deletion), and store the result in
`Page.published_html`. A visitor's request then reads that row and pastes two strings
into the page shell (`pages/page.html`): no block is parsed, validated or rendered. The
blocks were validated when written, so the per-request re-validation bought nothing.

What is stored is the visitors' view: invalid blocks and missing images as HTML comments
or nothing. Staff and the draft preview still render from the JSON, with warnings.

It is exact by construction: a trigger on the table (migration 0004) empties the stored
HTML whenever the published blocks, nav, images or the slug change in an UPDATE that does
not also write new HTML, so a row written around the services (SQL, a script) is rendered
from its JSON, as before, until its next publish. Each rendering carries a new `rendered`
stamp, so a write through the services always writes different HTML.

The stored HTML also carries `fragments_version()`, a digest of everything that shapes it (the
block and nav templates, the template tags, the block models): a release that changes
any of them makes older rows render from the JSON again until they are re-rendered
(`manage.py content_render`, or their next publish). The tenant's name and accent colour
and the year are not in it: the shell renders those per request.
"""

import functools
import hashlib
import inspect

from django.template.loader import get_template, render_to_string
from django.utils import timezone

from content.blocks import BLOCK_TYPES
from content.blocks import base as blocks_base
from content.blocks import fields as blocks_fields
from content.blocks import registry as blocks_registry
from content.blocks import types as blocks_types
from content.nav import nav_parse
from content.templatetags import content_tags

NAV_TEMPLATE = "pages/nav.html"


@functools.cache
def fragments_version() -> str:
    """A digest of the templates and code that render blocks and nav (computed once per
    process): stored HTML of another version is not used."""
    digest = hashlib.blake2b(digest_size=8)
    names = [NAV_TEMPLATE, *sorted(cls.template_name() for cls in BLOCK_TYPES.values())]
    for name in names:
        digest.update(name.encode())
        digest.update(get_template(name).template.source.encode())
    for module in (content_tags, blocks_base, blocks_fields, blocks_registry, blocks_types):
        digest.update(inspect.getsource(module).encode())
    return digest.hexdigest()


def nav_html(nav, *, current: str) -> str:
    """The menu; the link to `current` (the page's own path) is marked aria-current."""
    return render_to_string(NAV_TEMPLATE, {"items": nav_parse(nav), "current": current})


def page_html_render(*, blocks, nav, images: dict, path: str) -> dict:
    """The visitors' HTML of a published snapshot, as stored in `Page.published_html`."""
    context = {"images": images or {}, "block_warnings": False}
    return {
        "version": fragments_version(),
        "rendered": timezone.now().isoformat(),
        "blocks": content_tags.render_blocks(context, blocks),
        "nav": nav_html(nav, current=path),
    }


def page_html_current(page) -> dict | None:
    """`page.published_html` if it was rendered by this release (and not emptied by the
    trigger), else None: render from the JSON."""
    stored = page.published_html
    if isinstance(stored, dict) and stored.get("version") == fragments_version():
        return stored
    return None
