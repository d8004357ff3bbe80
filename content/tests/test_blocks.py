import pytest
from pydantic import TypeAdapter

from content.blocks import BLOCK_TYPES, Block, BlocksInvalid, block_searchable_text, blocks_validate
from content.blocks.fields import URL_SCHEME_REFUSED
from content.blocks.registry import BLOCK_TYPE_UNKNOWN, BLOCKS_NOT_A_LIST


def test_seed_page_validates_and_keeps_its_shape(seed_page):
    blocks = blocks_validate(seed_page["blocks"])
    assert len(blocks) == 20
    for raw, stored in zip(seed_page["blocks"], blocks, strict=True):
        assert stored["type"] == raw["type"]
        assert stored["id"]
        for key, value in raw.items():
            if key != "html":  # links gain rel="noopener noreferrer"
                assert stored[key] == value


def test_at_least_twelve_block_types_each_with_a_template():
    from django.template.loader import get_template

    assert len(BLOCK_TYPES) >= 12
    for cls in BLOCK_TYPES.values():
        get_template(cls.template_name())


def test_ids_are_kept_generated_when_missing_and_made_unique():
    blocks = blocks_validate(
        [
            {"type": "divider", "id": "keep-me"},
            {"type": "divider"},
            {"type": "divider", "id": "keep-me"},
        ]
    )
    ids = [block["id"] for block in blocks]
    assert ids[0] == "keep-me"
    assert len(set(ids)) == 3


def test_all_errors_are_collected_with_json_paths():
    with pytest.raises(BlocksInvalid) as exc:
        blocks_validate(
            [
                {"type": "heading", "text": "ok", "level": 2},
                {"type": "heading", "text": "", "level": 9},
                {"type": "nope"},
                {"type": "cta", "label": "Go", "url": "javascript:alert(1)"},
                "not an object",
                {"type": "heading", "text": "x", "lvl": 2},
            ]
        )
    locs = {tuple(error["loc"]): error["msg"] for error in exc.value.errors}
    assert ("blocks", 1, "text") in locs
    assert "less than or equal to 6" in locs[("blocks", 1, "level")]
    assert locs[("blocks", 2, "type")].startswith(BLOCK_TYPE_UNKNOWN.format(type="nope", known="")[:30])
    assert locs[("blocks", 3, "url")] == URL_SCHEME_REFUSED
    assert ("blocks", 4) in locs
    assert ("blocks", 5, "lvl") in locs
    assert "blocks[1].level: Input should be less than or equal to 6" in exc.value.message_dict["blocks"]


def test_not_a_list_is_refused():
    with pytest.raises(BlocksInvalid) as exc:
        blocks_validate({"type": "heading"})
    assert exc.value.errors == [{"loc": ["blocks"], "msg": BLOCKS_NOT_A_LIST}]


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<p onclick="alert(1)" style="x">x</p>',
        "<iframe src=https://evil.example></iframe>",
        "<svg onload=alert(1)>",
    ],
)
def test_rich_text_is_sanitised(payload):
    (block,) = blocks_validate([{"type": "paragraph", "html": f"<p>safe</p>{payload}"}])
    html = block["html"].lower()
    for bad in ("<script", "onerror", "javascript:", "onclick", "<iframe", "onload", "style="):
        assert bad not in html
    assert "<p>safe</p>" in html


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "java\tscript:alert(1)", "vbscript:x"])
def test_dangerous_urls_are_refused(url):
    with pytest.raises(BlocksInvalid):
        blocks_validate([{"type": "cta", "label": "Go", "url": url}])


@pytest.mark.parametrize("url", ["https://example.com/x", "http://a.b", "mailto:hi@example.com", "/contact/", "#top"])
def test_safe_urls_are_accepted(url):
    assert blocks_validate([{"type": "cta", "label": "Go", "url": url}])[0]["url"] == url


def test_table_rows_must_match_header():
    with pytest.raises(BlocksInvalid) as exc:
        blocks_validate([{"type": "table", "header": ["a", "b"], "rows": [["1", "2"], ["3"]]}])
    assert exc.value.errors[0]["loc"] == ["blocks", 0]
    assert "row 1 has 1 cells" in exc.value.errors[0]["msg"]


def test_searchable_text_strips_tags_and_walks_nested_items():
    assert block_searchable_text({"type": "paragraph", "html": "<p>Hello <b>bold</b> &amp; more</p>"}) == (
        "Hello bold & more"
    )
    faq = {"type": "faq", "items": [{"question": "Why?", "answer": "<p>Because</p>"}]}
    assert block_searchable_text(faq) == "Why? Because"
    assert block_searchable_text({"type": "unknown"}) == ""


def test_block_union_is_discriminated_by_type_in_the_json_schema():
    schema = TypeAdapter(Block).json_schema()
    assert schema["discriminator"]["propertyName"] == "type"
    assert len(schema["oneOf"]) == len(BLOCK_TYPES)
