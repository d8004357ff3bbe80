"""The one place block types are registered, and the validator every writer shares.

Reading degrades, writing refuses (Wagtail's StreamField rule): `blocks_validate`
rejects a list with any bad block, collecting every error with its JSON path;
`block_parse` is what the renderer uses to load one stored block, failing alone.
"""

from pydantic import ValidationError as PydanticError

from content.blocks.base import BaseBlock, block_id_new
from content.exceptions import PageInvalid, error_path  # noqa: F401 (error_path: content.blocks' public name)

BLOCKS_NOT_A_LIST = "must be a list of blocks"
BLOCK_NOT_AN_OBJECT = "a block must be an object with a 'type'"
BLOCK_TYPE_MISSING = "field required"
BLOCK_TYPE_UNKNOWN = "unknown block type {type!r}; known types: {known}"
BLOCKS_TOO_MANY = "at most {max} blocks per page"
MAX_BLOCKS = 300

BLOCK_TYPES: dict[str, type[BaseBlock]] = {}


def register(cls: type[BaseBlock]) -> type[BaseBlock]:
    """Class decorator: make a block type known to the validator, the schema and the admin."""
    name = cls.type_name()
    if name in BLOCK_TYPES and BLOCK_TYPES[name] is not cls:
        raise RuntimeError(f"block type {name!r} is registered twice ({BLOCK_TYPES[name]} and {cls})")
    BLOCK_TYPES[name] = cls
    return cls


class BlocksInvalid(PageInvalid):
    """Blocks that must not be saved: the block validator's PageInvalid (locs start with
    "blocks")."""


def _pydantic_errors(exc: PydanticError, prefix: list) -> list[dict]:
    errors = []
    for error in exc.errors(include_url=False):
        msg = error["msg"].removeprefix("Value error, ")
        errors.append({"loc": [*prefix, *error["loc"]], "msg": msg})
    return errors


def _block_model(raw, loc: list) -> tuple[BaseBlock | None, list[dict]]:
    if not isinstance(raw, dict):
        return None, [{"loc": loc, "msg": BLOCK_NOT_AN_OBJECT}]
    type_name = raw.get("type")
    if not type_name:
        return None, [{"loc": [*loc, "type"], "msg": BLOCK_TYPE_MISSING}]
    cls = BLOCK_TYPES.get(type_name) if isinstance(type_name, str) else None
    if cls is None:
        known = ", ".join(sorted(BLOCK_TYPES))
        return None, [{"loc": [*loc, "type"], "msg": BLOCK_TYPE_UNKNOWN.format(type=type_name, known=known)}]
    try:
        return cls.model_validate(raw), []
    except PydanticError as exc:
        return None, _pydantic_errors(exc, loc)


def block_parse(raw) -> BaseBlock:
    """One stored block as its model (sanitised again); raises BlocksInvalid."""
    block, errors = _block_model(raw, ["blocks"])
    if errors:
        raise BlocksInvalid(errors)
    return block


def blocks_validate(raw) -> list[dict]:
    """The whole list checked, normalised (defaults filled, ids given, HTML sanitised)
    and returned in the stored shape: flat {type, id, ...fields}. Raises BlocksInvalid
    with every error of every block, so an editor fixes them all in one go."""
    if isinstance(raw, tuple):
        raw = list(raw)
    if not isinstance(raw, list):
        raise BlocksInvalid([{"loc": ["blocks"], "msg": BLOCKS_NOT_A_LIST}])
    if len(raw) > MAX_BLOCKS:
        raise BlocksInvalid([{"loc": ["blocks"], "msg": BLOCKS_TOO_MANY.format(max=MAX_BLOCKS)}])
    errors: list[dict] = []
    blocks: list[dict] = []
    seen_ids: set[str] = set()
    for index, item in enumerate(raw):
        block, block_errors = _block_model(item, ["blocks", index])
        errors.extend(block_errors)
        if block is None:
            continue
        if block.id in seen_ids:  # a copied block keeps its content, gets its own id
            block.id = block_id_new()
        seen_ids.add(block.id)
        blocks.append(block_dump(block))
    if errors:
        raise BlocksInvalid(errors)
    return blocks


def block_dump(block: BaseBlock) -> dict:
    data = block.model_dump(mode="json", exclude_none=True)
    # type first, then id: the stored rows read like the seed page.
    return {"type": data.pop("type"), "id": data.pop("id"), **data}


def block_searchable_text(block) -> str:
    """Text of one block (a stored dict or a model) for search indexing; "" if invalid."""
    if isinstance(block, dict):
        parsed, errors = _block_model(block, ["blocks"])
        if errors:
            return ""
        block = parsed
    return block.searchable_text()


def blocks_image_refs(blocks) -> list[tuple[list, int]]:
    """Every library image a stored block list refers to: (JSON path, image id) for each
    `image_id` field (see content.blocks.fields.ImageRef), at any depth."""
    refs: list[tuple[list, int]] = []

    def walk(value, loc):
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "image_id" and isinstance(item, int) and not isinstance(item, bool):
                    refs.append(([*loc, key], item))
                else:
                    walk(item, [*loc, key])
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, [*loc, index])

    walk(blocks if isinstance(blocks, list) else [], ["blocks"])
    return refs
