"""Field types shared by the block schemas: sanitised rich text, safe URLs, plain text.

Sanitising happens while validating, so every writer (admin, API, demo, a restore)
stores clean HTML, and the renderer re-validates stored rows so that HTML written
around the validator (by hand in SQL) is cleaned again before a visitor sees it.
"""

from typing import Annotated
from urllib.parse import urlsplit

import nh3
from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

URL_SCHEME_REFUSED = "only http(s), mailto and relative URLs are allowed"
URL_CONTROL_CHARACTERS = "URLs may not contain spaces or control characters"

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})

# Inline and simple block markup an editor needs in a paragraph; nothing that runs code,
# loads other documents or styles the page (no script, iframe, style, on*=, style=).
RICH_TEXT_TAGS = frozenset(
    {
        "p",
        "br",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "s",
        "a",
        "ul",
        "ol",
        "li",
        "code",
        "pre",
        "blockquote",
        "h2",
        "h3",
        "h4",
        "sup",
        "sub",
        "small",
        "mark",
        "span",
    }
)
RICH_TEXT_ATTRIBUTES = {"a": {"href", "title"}}


def html_sanitise(value: str) -> str:
    """Rich text an editor may store; `<script>`, `onerror=`, `javascript:` never survive."""
    return nh3.clean(
        value,
        tags=set(RICH_TEXT_TAGS),
        attributes={tag: set(attrs) for tag, attrs in RICH_TEXT_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_SCHEMES),
        link_rel="noopener noreferrer",
    ).strip()


def url_check(value: str) -> str:
    value = value.strip()
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        # Browsers drop tabs and newlines inside a scheme ("java\tscript:"), so refuse them.
        raise ValueError(URL_CONTROL_CHARACTERS)
    scheme = urlsplit(value).scheme.lower()
    if scheme and scheme not in ALLOWED_SCHEMES:
        raise ValueError(URL_SCHEME_REFUSED)
    return value


RichText = Annotated[str, Field(max_length=20_000), AfterValidator(html_sanitise)]
SafeUrl = Annotated[str, StringConstraints(min_length=1, max_length=2_000), AfterValidator(url_check)]
OptionalUrl = Annotated[str, StringConstraints(max_length=2_000), AfterValidator(lambda v: url_check(v) if v else v)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5_000)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


def _empty_is_none(value):
    # The admin's editor sends "" (or nothing) for an empty number field.
    return None if value == "" else value


# An image of the tenant's media library, by id. Every field of this type must be named
# `image_id`: content.blocks.blocks_image_refs finds references by that name, the page
# services check they exist and publish what the template needs (content.services).
ImageRef = Annotated[Annotated[int, Field(ge=1, le=2**63 - 1)] | None, BeforeValidator(_empty_is_none)]
