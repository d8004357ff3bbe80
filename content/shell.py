"""A visitor's page in the site's shell, written without Django's template engine.

`templates/pages/page.html` (extending `templates/base.html`) stays the shell's source: staff,
previews and pages without HTML stored at publish are rendered with it. For a visitor the
request only puts the HTML stored at publish (blocks and nav, content.rendering) and the
page's title and SEO tags into that frame, and the engine's node walk was a third of the
cache-off page's Python time (`render_to_string` ≈0.3 ms under load). This writes the same
bytes with string joins; content/tests/test_shell.py renders both ways for pages with and
without every optional tag, with characters to escape, and asserts they are identical, so a
change to either template that is not made here fails there.
"""

from datetime import datetime

from django.templatetags.static import static
from django.utils.html import conditional_escape
from django.utils.timezone import get_current_timezone

from content.frame import accent_hue


def visitor_page_shell(*, tenant, page, title: str, html: dict) -> str:
    """`pages/page.html` as a visitor gets it (no toolbar, not a preview) around `html`
    ({"blocks", "nav"}, rendered at publish)."""
    esc = conditional_escape
    name = esc(tenant.name)
    title_e = esc(title)
    head_title = f"{title_e} · {name}" if title and page.slug else name
    meta = []
    if page.meta_description:
        description = esc(page.meta_description)
        meta.append(
            f'<meta name="description" content="{description}">\n'
            f'<meta property="og:description" content="{description}">'
        )
    meta.append(f'\n<meta property="og:title" content="{title_e}">\n')
    meta.append(f'<meta property="og:site_name" content="{name}">\n')
    if page.social_image:
        meta.append(f'<meta property="og:image" content="{esc(page.social_image)}">')
    meta.append("\n")
    if page.canonical_url:
        meta.append(f'<link rel="canonical" href="{esc(page.canonical_url)}">')
    meta.append("\n")
    if page.noindex:
        meta.append('<meta name="robots" content="noindex">')
    nav = html["nav"]
    year = datetime.now(tz=get_current_timezone()).year
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{head_title}</title>\n{''.join(meta)}\n"
        f'<link rel="stylesheet" href="{esc(static("content/site.css"))}">\n'
        f"<style>:root {{ --hue: {accent_hue(tenant)}; }}</style>\n</head>\n<body>\n\n"
        '<header class="site-header">\n  <div class="container header-inner">\n'
        f'    <a class="brand" href="/"><span class="brand-mark" aria-hidden="true">{esc(tenant.name[:1])}</span>'
        f"{name}</a>\n    {nav}\n  </div>\n</header>\n"
        '<main class="container site-main">\n\n<article class="page">\n'
        f"{html['blocks']}\n</article>\n\n</main>\n"
        '<footer class="site-footer">\n  <div class="container footer-inner">\n'
        f'    <div><strong>{name}</strong><br><span class="muted">&copy; {year} {name}. '
        "All rights reserved.</span></div>\n"
        f"    {nav}\n  </div>\n</footer>\n</body>\n</html>\n"
    )
