"""JSON schemas for the admin's structured editors (django-jsonform), built from the
block models, so the editor offers exactly the types and fields the validator accepts.

django-jsonform speaks a subset of JSON Schema (no `$defs` unions, `anyOf` for
Optional, ...), so the schema is derived from each model's fields rather than taken
from pydantic's `model_json_schema()`; validation stays with the pydantic models.
"""

import types
import typing
from typing import Literal, Union

from pydantic import BaseModel

from content.blocks import BLOCK_TYPES, BaseBlock
from content.nav import NavItem

_TEXTAREA_FIELDS = {"html", "answer", "code", "subtitle"}
_TEXTAREA_MIN_LENGTH = 5_000  # longer limits than this get a textarea (a quote's text)


_TITLES = {
    "image_id": "Image from the library",
    "image": "Or an image URL from elsewhere",
    "src": "Or an image URL from elsewhere",
    "url": "Link URL",
    "html": "Text",
    "cta_label": "Button text",
    "cta_url": "Button link",
    "alt": "Alternative text (for screen readers)",
}


def _title(name: str) -> str:
    return _TITLES.get(name) or name.replace("_", " ").capitalize()


def _max_length(field) -> int:
    return max((getattr(item, "max_length", None) or 0 for item in field.metadata), default=0)


def _field_schema(name: str, annotation, default=None, *, long: bool = False) -> dict:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _field_schema(name, args[0], default, long=long)
    if origin in (Union, types.UnionType):  # Optional[X]: X, empty allowed
        inner = [a for a in args if a is not type(None)]
        return _field_schema(name, inner[0], default, long=long)
    if origin is Literal:
        schema = {"type": "string", "choices": list(args)}
    elif origin is list:
        schema = {"type": "array", "items": _field_schema(name, args[0])}
        schema["items"].pop("title", None)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        schema = _model_schema(annotation)
    elif annotation is bool:
        schema = {"type": "boolean"}
    elif annotation is int:
        schema = {"type": "integer"}
    else:
        schema = {"type": "string"}
        if long or name in _TEXTAREA_FIELDS:
            schema["widget"] = "textarea"
    schema["title"] = _title(name)
    if isinstance(default, (str, int, bool)) and not isinstance(default, type(None)):
        schema["default"] = default
    return schema


def _model_schema(model: type[BaseModel]) -> dict:
    properties = {}
    for name, field in model.model_fields.items():
        if name in ("type", "id"):
            continue
        default = None if field.is_required() or field.default_factory else field.default
        long = _max_length(field) >= _TEXTAREA_MIN_LENGTH
        properties[name] = _field_schema(name, field.annotation, default, long=long)
    return {"type": "object", "properties": properties}


def _block_schema(cls: type[BaseBlock]) -> dict:
    schema = _model_schema(cls)
    schema["title"] = cls.display_name or _title(cls.type_name())
    # `type` picks the option when existing data is loaded; `id` is carried along so
    # a block keeps its id across edits (hidden: editors never need to see it).
    schema["properties"] = {
        "type": {"const": cls.type_name(), "widget": "hidden"},
        "id": {"type": "string", "widget": "hidden", "default": ""},
        **schema["properties"],
    }
    return schema


def blocks_editor_schema() -> dict:
    return {
        "type": "array",
        "title": "Blocks",
        "items": {"oneOf": [_block_schema(cls) for cls in BLOCK_TYPES.values()]},
    }


def blocks_editor_data(blocks: list) -> list:
    """Stored blocks as the editor must receive them: django-jsonform picks a block's type
    (its `oneOf` option) only when the data has every property of that option, and stored
    blocks leave out empty optional values (`image_id`, an image's `width`). Those are
    given as null here; the validator drops them again on save."""
    filled = []
    for block in blocks:
        cls = BLOCK_TYPES.get(block.get("type")) if isinstance(block, dict) else None
        if cls is not None:
            block = {**{name: None for name in cls.model_fields}, **block}
        filled.append(block)
    return filled


def nav_editor_schema() -> dict:
    schema = _model_schema(NavItem)
    schema["title"] = "Menu item"
    return {"type": "array", "title": "Menu", "items": schema}
