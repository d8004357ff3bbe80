from django.template import Context, Template

from content.blocks import blocks_validate
from content.templatetags.content_tags import SKIPPED_COMMENT

RENDER = Template("{% load content_tags %}{% render_blocks blocks %}|{% render_block one %}|{% render_nav nav %}")


def test_tags_render_blocks_one_block_and_the_nav():
    blocks = blocks_validate([{"type": "heading", "text": "Title", "level": 3}, {"type": "quote", "text": "Hi"}])
    html = RENDER.render(
        Context(
            {
                "blocks": blocks,
                "one": {"type": "cta", "label": "Go", "url": "/go/"},
                "nav": [{"label": "About", "url": "/about/", "children": [{"label": "Team", "url": "/about/team/"}]}],
            }
        )
    )
    assert f'<h3 class="b-heading" id="{blocks[0]["id"]}">Title</h3>' in html
    assert "<blockquote" in html
    assert '<a class="button" href="/go/">Go</a>' in html
    assert '<a href="/about/team/">Team</a>' in html


def test_invalid_nav_items_are_dropped_and_invalid_blocks_skipped():
    html = RENDER.render(
        Context(
            {
                "blocks": [{"type": "heading"}],
                "one": None,
                "nav": [{"label": "Evil", "url": "javascript:alert(1)"}, {"label": "Ok", "url": "/"}, "junk"],
            }
        )
    )
    assert SKIPPED_COMMENT.format(index=0) in html
    assert "javascript:" not in html and "Evil" not in html
    assert '<a href="/">Ok</a>' in html


def test_blocks_that_are_not_a_list_render_nothing_harmful():
    html = RENDER.render(Context({"blocks": {"type": "heading"}, "one": "x", "nav": "not a list"}))
    assert "<h" not in html.replace("<!--", "")
