"""The navigation menu of a page: a list of {label, url, children?}, two levels deep."""

from pydantic import Field, TypeAdapter
from pydantic import ValidationError as PydanticError

from content.blocks.base import Strict
from content.blocks.fields import SafeUrl, ShortText
from content.exceptions import PageInvalid

NAV_NOT_A_LIST = "must be a list of {label, url, children?} items"


class NavChild(Strict):
    label: ShortText
    url: SafeUrl


class NavItem(Strict):
    label: ShortText
    url: SafeUrl
    children: list[NavChild] = Field(default_factory=list, max_length=20)


_NAV = TypeAdapter(list[NavItem])


def nav_validate(raw) -> list[dict]:
    """Validated nav in its stored shape; raises PageInvalid with locs like ["nav", 0, "url"]."""
    if isinstance(raw, tuple):
        raw = list(raw)
    if not isinstance(raw, list):
        raise PageInvalid([{"loc": ["nav"], "msg": NAV_NOT_A_LIST}])
    try:
        items = _NAV.validate_python(raw)
    except PydanticError as exc:
        raise PageInvalid(
            [
                {"loc": ["nav", *e["loc"]], "msg": e["msg"].removeprefix("Value error, ")}
                for e in exc.errors(include_url=False)
            ]
        ) from None
    out = []
    for item in items:
        data = {"label": item.label, "url": item.url}
        if item.children:
            data["children"] = [child.model_dump() for child in item.children]
        out.append(data)
    return out


def nav_parse(raw) -> list[NavItem]:
    """Stored nav for rendering: invalid items are dropped, never an error for a visitor."""
    items = []
    for entry in raw if isinstance(raw, list) else []:
        try:
            items.append(NavItem.model_validate(entry))
        except PydanticError:
            continue
    return items
