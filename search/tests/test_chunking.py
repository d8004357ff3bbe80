"""Chunking on plain block dicts (the stored shape of content.Page.published_blocks)."""

from content.demo import bench_page
from search.chunking import (
    CONTEXT_SEPARATOR,
    OVERLAP_WORDS,
    SENTENCE_MAX_WORDS,
    WINDOW_WORDS,
    page_chunks,
    sentences_split,
)
from search.tests.utils import heading, paragraph


def test_title_and_heading_are_kept_with_their_text():
    chunks = page_chunks(
        title="Pricing",
        blocks=[paragraph("Intro words."), heading("Refunds"), paragraph("Money back in 30 days."), heading("Tax")],
    )
    assert [c.text for c in chunks] == [
        "Pricing\nIntro words.",
        f"Pricing{CONTEXT_SEPARATOR}Refunds\nMoney back in 30 days.",
        f"Pricing{CONTEXT_SEPARATOR}Tax",
    ]
    assert [c.position for c in chunks] == [0, 1, 2]


def test_text_is_plain_and_control_characters_are_dropped():
    (chunk,) = page_chunks(title="T", blocks=[paragraph("<b>Fish</b> &amp; chips \x01 &lt;script&gt;")])
    assert chunk.text == "T\nFish & chips <script>"


def test_long_block_is_split_into_overlapping_windows():
    words = [f"w{i}" for i in range(400)]
    chunks = page_chunks(title="Long", blocks=[paragraph(" ".join(words))])
    bodies = [c.text.split("\n", 1)[1].split(" ") for c in chunks]
    assert all(len(body) <= WINDOW_WORDS for body in bodies)
    assert bodies[0][-OVERLAP_WORDS:] == bodies[1][:OVERLAP_WORDS]
    assert {w for body in bodies for w in body} == set(words)


def test_editing_one_block_changes_only_its_chunk():
    blocks = bench_page()["blocks"]
    before = page_chunks(title="Bench", blocks=blocks)
    edited = [dict(b) for b in blocks]
    index = next(i for i, b in enumerate(edited) if b["type"] == "paragraph")
    edited[index]["html"] = edited[index]["html"].replace("Elit", "Ornare")
    after = page_chunks(title="Bench", blocks=edited)
    changed = [a.position for a, b in zip(after, before, strict=True) if a.content_hash != b.content_hash]
    assert len(before) > 3 and changed == [0]


def test_page_without_text_still_has_its_title():
    assert [
        c.text for c in page_chunks(title="Gallery", blocks=[{"type": "image", "src": "https://example.com/a.png"}])
    ] == ["Gallery"]


def test_sentences_are_split_inside_each_block():
    (chunk,) = page_chunks(
        title="FAQ",
        blocks=[
            paragraph("Do I need a programmer? No. Operators teach tasks by hand. Dr. Okafor agrees."),
            {"type": "feature_list", "items": ["Fits on a bench", "Runs the same programs"]},
        ],
    )
    assert chunk.sentences == (
        "Do I need a programmer?",
        "No. Operators teach tasks by hand.",
        "Dr. Okafor agrees.",
        "Fits on a bench Runs the same programs",
    )


def test_a_run_without_punctuation_is_cut_into_short_sentences():
    words = [f"cell{i}" for i in range(SENTENCE_MAX_WORDS * 2 + 5)]
    assert [len(s.split(" ")) for s in sentences_split(" ".join(words))] == [SENTENCE_MAX_WORDS] * 2 + [5]
