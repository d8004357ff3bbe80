"""`{% render_blocks %}`, `{% render_block %}`, `{% render_nav %}`, `{% block_image %}`.

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


def _block_html(context, block: BaseBlock) -> str:
    return get_template(block.template_name()).render(
        {"block": block, "images": context.get("images") or {}, "block_warnings": context.get("block_warnings")}
    )


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
        return _block_html(context, block)
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


IMAGE_DELETED_WARNING = "Image {id} is no longer in the media library: visitors see no image here. Choose another."
IMAGE_PENDING_WARNING = "Image {id} is still being resized: visitors see it in a few seconds."


@register.simple_tag(takes_context=True)
def block_image(context, image_id=None, url="", *, alt="", sizes="100vw", css_class="", eager=False, **size):
    """One picture: a library image (`image_id`, resolved in the context's `images`, which
    the published page stores) as `<picture>` with WebP and fallback srcsets, width and
    height; else an image from elsewhere (`url`) as a plain `<img>`; else nothing.

    A library image that was deleted, or whose renditions are not made yet, renders
    nothing for visitors and a warning for staff (`block_warnings`). The first image of a
    page (`eager`, the hero) is not lazy-loaded: it is usually the largest paint."""
    loading = 'fetchpriority="high"' if eager else 'loading="lazy"'
    if image_id:
        data = (context.get("images") or {}).get(str(image_id))
        if not data or not data.get("ready"):
            if not context.get("block_warnings"):
                return ""
            warning = IMAGE_PENDING_WARNING if data else IMAGE_DELETED_WARNING
            return format_html('<p class="block-warning" role="alert">{}</p>', warning.format(id=image_id))
        style = format_html(' style="object-position: {}% {}%"', *data["focal"]) if data.get("focal") else ""
        img = format_html(
            '<img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}" {} decoding="async"{}{}>',
            data["src"],
            data["srcset"],
            sizes,
            data["width"],
            data["height"],
            alt or data["alt"],
            mark_safe(loading),  # noqa: S308 (one of two constants above)
            format_html(' class="{}"', css_class) if css_class else "",
            style,
        )
        if not data.get("webp"):
            return img
        return format_html(
            '<picture><source type="image/webp" srcset="{}" sizes="{}">{}</picture>', data["webp"], sizes, img
        )
    if url:
        dimensions = "".join(format_html(' {}="{}"', k, v) for k, v in size.items() if k in ("width", "height") and v)
        return format_html(
            '<img src="{}" alt="{}" {} decoding="async"{}{}>',
            url,
            alt,
            mark_safe(loading),  # noqa: S308 (one of two constants above)
            format_html(' class="{}"', css_class) if css_class else "",
            mark_safe(dimensions),  # noqa: S308 (format_html output)
        )
    return ""
