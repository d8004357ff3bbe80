"""What every block type shares: a stable id, its template, its text for search.

Like Wagtail's `Block`, a block type is hooks with defaults: subclasses declare their
fields (a pydantic model), a `type` literal, and optionally which fields are searchable;
the template is `templates/blocks/<type>.html` by convention.
"""

import html
import secrets
import typing
from typing import ClassVar

import nh3
from pydantic import BaseModel, ConfigDict, Field, field_validator


def block_id_new() -> str:
    """A short random id; stable once stored, so editors and diffs can follow a block."""
    return secrets.token_hex(6)


class Strict(BaseModel):
    """Unknown keys are refused on write: a typo (`lvl` for `level`) is an error, not lost data."""

    model_config = ConfigDict(extra="forbid")


class BaseBlock(Strict):
    id: str = Field(default_factory=block_id_new, pattern=r"^[A-Za-z0-9_-]{1,64}$")

    # The name editors see in the admin's block menu.
    display_name: ClassVar[str] = ""
    # Field names whose text goes into the search index; nested models and lists are walked.
    searchable_fields: ClassVar[tuple[str, ...]] = ()
    # Field names holding sanitised HTML: their tags are stripped for search.
    html_fields: ClassVar[frozenset[str]] = frozenset({"html", "answer"})

    @field_validator("id", mode="before")
    @classmethod
    def _id_given(cls, value):
        # A block added in the admin's editor arrives with an empty id: give it one (only
        # then: `false` or `0` is a wrong id, refused like any other).
        return block_id_new() if value in ("", None) else value

    @classmethod
    def type_name(cls) -> str:
        return typing.get_args(cls.model_fields["type"].annotation)[0]

    @classmethod
    def template_name(cls) -> str:
        return f"blocks/{cls.type_name()}.html"

    def searchable_text(self) -> str:
        return " ".join(part for part in _texts(self) if part)


def _texts(model: BaseModel):
    names = getattr(model, "searchable_fields", None) or tuple(
        name for name, value in model if isinstance(value, (str, list, BaseModel)) and name not in ("id", "type")
    )
    html_fields = getattr(model, "html_fields", BaseBlock.html_fields)
    for name in names:
        value = getattr(model, name)
        yield from _value_texts(value, is_html=name in html_fields)


def _value_texts(value, *, is_html: bool):
    if isinstance(value, str):
        yield html_text(value) if is_html else value
    elif isinstance(value, BaseModel):
        yield from _texts(value)
    elif isinstance(value, list):
        for item in value:
            yield from _value_texts(item, is_html=is_html)


def html_text(value: str) -> str:
    """Visible text of sanitised HTML (tags removed, entities decoded)."""
    return " ".join(html.unescape(nh3.clean(value, tags=set())).split())
