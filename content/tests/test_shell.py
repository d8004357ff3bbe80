"""content.shell writes a visitor's page byte for byte as `templates/pages/page.html` does
(the template stays the source for staff and previews): every optional tag on and off,
characters that must be escaped in every value, the home page and another."""

import itertools
from types import SimpleNamespace

import pytest

from content.models import Page
from content.responses import page_html
from content.shell import visitor_page_shell

TENANTS = [
    SimpleNamespace(name="Alpha Bikes", schema_name="alpha"),
    SimpleNamespace(name='&lt;Tom "&" Jerry\'s>', schema_name="beta"),
]
HTML = {
    "blocks": '<section class="block"><h2>Hi &amp; welcome</h2><p>{{ not a tag }}</p></section>',
    "nav": '<nav class="menu"><a href="/" aria-current="page">Home</a><a href="/about/">About</a></nav>',
}
OPTIONAL = {
    "meta_description": 'Cakes & "tea" <daily>',
    "social_image": "https://cdn.example/i.png?a=1&b=<2>",
    "canonical_url": 'https://example.com/about/?x=1&y="2"',
    "noindex": True,
}


def _page(slug: str, on: dict) -> Page:
    fields = {name: value if on[name] else Page._meta.get_field(name).get_default() for name, value in OPTIONAL.items()}
    return Page(slug=slug, status=Page.Status.PUBLISHED, **fields)


@pytest.mark.parametrize("tenant", TENANTS, ids=["plain", "escapes"])
@pytest.mark.parametrize("slug", ["", "about/team"])
@pytest.mark.parametrize("title", ["", 'Tea & <Cakes> "daily"'])
def test_the_shell_is_the_template_byte_for_byte(tenant, slug, title):
    for flags in itertools.product([False, True], repeat=len(OPTIONAL)):
        on = dict(zip(OPTIONAL, flags, strict=True))
        page = _page(slug, on)
        for html in (HTML, {"blocks": HTML["blocks"], "nav": ""}):
            expected = page_html(SimpleNamespace(tenant=tenant), title=title, page=page, html=html, warnings=False)
            assert visitor_page_shell(tenant=tenant, page=page, title=title, html=html) == expected, on
