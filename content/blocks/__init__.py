"""Typed page blocks: one pydantic model per type, registered in `types.py`.

Public names:
- `blocks_validate(raw) -> list[dict]`: the shared write-time validator (admin, API, demo).
- `BlocksInvalid`: its error, a `content.exceptions.PageInvalid` (a Django ValidationError
  with `.errors` = [{"loc", "msg"}]) whose locs start with "blocks".
- `Block`: the union of all types discriminated by `type` (ninja schemas / OpenAPI).
- `block_parse(raw)`: one stored block as a model, for rendering.
- `block_searchable_text(block)`: a block's text for the search index.
- `blocks_image_refs(blocks)`: the media-library images a block list refers to.
- `BLOCK_TYPES`: type name -> model class.

Adding a block type: one class in `types.py` with `@register`, one template
`templates/blocks/<type>.html`. No migration (blocks are JSON).
"""

from typing import Annotated, Union

from pydantic import Field

from content.blocks import types as _types  # noqa: F401  (registers the block types)
from content.blocks.base import BaseBlock
from content.blocks.registry import (
    BLOCK_TYPES,
    BlocksInvalid,
    block_dump,
    block_parse,
    block_searchable_text,
    blocks_image_refs,
    blocks_validate,
    error_path,
)

Block = Annotated[Union[tuple(BLOCK_TYPES.values())], Field(discriminator="type")]  # noqa: UP007

__all__ = [
    "BLOCK_TYPES",
    "BaseBlock",
    "Block",
    "BlocksInvalid",
    "block_dump",
    "block_parse",
    "block_searchable_text",
    "blocks_image_refs",
    "blocks_validate",
    "error_path",
]
