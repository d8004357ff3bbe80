"""The content app's domain error: a page write that must not be saved.

`PageInvalid` is raised for any refused page field (slug, title, SEO fields, nav,
blocks); `BlocksInvalid` (content.blocks) is its subclass for the block validator, so
code that only validates blocks can still say so. The API turns either into a 422 with
the JSON path of each problem (api/errors.py); the admin attaches each message to its
form field.
"""

from django.core.exceptions import ValidationError


def error_path(loc) -> str:
    """["blocks", 3, "level"] -> "blocks[3].level" (the form editors and API clients read)."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


class PageInvalid(ValidationError):
    """Content that must not be saved. `.errors` lists every problem as
    {"loc": ["blocks", 3, "level"], "msg": "..."}; the Django message dict is keyed by the
    first element of each loc (the form field: "blocks", "nav", "slug", ...), so an admin
    form can attach each message to its field with `form.add_error(None, exc)`."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        by_field: dict[str, list[str]] = {}
        for error in errors:
            by_field.setdefault(str(error["loc"][0]), []).append(f"{error_path(error['loc'])}: {error['msg']}")
        super().__init__(by_field)
