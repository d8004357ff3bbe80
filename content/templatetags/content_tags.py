"""`{% render_blocks %}`, `{% render_block %}`, `{% render_nav %}`.

Like Wagtail's include tags, these only loop and delegate: each stored block is parsed
by its model (re-sanitising its HTML) and rendered with `blocks/<type>.html`. A block
that fails (unknown type, invalid fields, a template error) is skipped for visitors with
an HTML comment and shown as a warning when the context sets `block_warnings` (the
page view does for logged-in staff): stored data never turns a page into a 500.
"""

import logging

from django import template
from django.template.loader import get_template, render_to_string
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from content.blocks import BaseBlock, BlocksInvalid, block_parse, error_path
from content.nav import nav_parse

register = template.Library()
logger = logging.getLogger(__name__)

SKIPPED_COMMENT = "<!-- block {index} skipped: invalid stored data -->"


def _block_html(block: BaseBlock) -> str:
    return get_template(block.template_name()).render({"block": block})


def _skipped(context, index: int, raw, problems: list[str]) -> str:
    if not context.get("block_warnings"):
        return SKIPPED_COMMENT.format(index=index)
    block_type = raw.get("type") if isinstance(raw, dict) else None
    return format_html(
        '<div class="block-warning" role="alert"><strong>Block {} ({}) is not shown to visitors.</strong> {}</div>',
        index,
        block_type or "no type",
        "; ".join(problems),
    )


def block_render(context, raw, index: int = 0) -> str:
    try:
        block = raw if isinstance(raw, BaseBlock) else block_parse(raw)
    except BlocksInvalid as exc:
        problems = [f"{error_path(['block', *e['loc'][1:]])}: {e['msg']}" for e in exc.errors]
        return _skipped(context, index, raw, problems)
    try:
        return _block_html(block)
    except Exception as exc:  # a broken or missing template must not take the page down
        logger.exception("block %s (%s) failed to render", index, block.type_name())
        return _skipped(context, index, raw, [f"template error: {type(exc).__name__}"])


# The mark_safe calls below wrap output of autoescaped block templates and of
# format_html; the only raw HTML inside is rich text nh3 sanitised during block_parse.


@register.simple_tag(takes_context=True)
def render_block(context, block, index=0):
    return mark_safe(block_render(context, block, index))  # noqa: S308


@register.simple_tag(takes_context=True)
def render_blocks(context, blocks):
    if not isinstance(blocks, list):
        return mark_safe(SKIPPED_COMMENT.format(index="list"))  # noqa: S308
    return mark_safe("\n".join(block_render(context, raw, index) for index, raw in enumerate(blocks)))  # noqa: S308


@register.simple_tag(takes_context=True)
def render_nav(context, nav):
    request = context.get("request")
    current = request.path if request is not None else ""
    return render_to_string("pages/nav.html", {"items": nav_parse(nav), "current": current})
