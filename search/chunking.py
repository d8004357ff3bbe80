"""Cut a page's published blocks into chunks worth one embedding each.

Why this shape:

- Chunks follow block boundaries and are grouped under the heading above them, and
  each chunk's text starts with "<page title> › <heading>": a paragraph about
  "refunds" under "Billing" on the "Pricing" page is found by all three words, and the
  embedding sees the context the reader sees.
- Blocks are packed greedily up to WINDOW_WORDS, so editing one block changes only the
  chunk holding it (its content hash changes, the others keep theirs and are not
  re-embedded). Windows that cross block boundaries would shift every later window.
- A block longer than a window is split into windows of WINDOW_WORDS with
  OVERLAP_WORDS of overlap, so a sentence cut at a boundary is whole in one of them.
- all-MiniLM-L6-v2 reads at most 256 word pieces; English runs ~1.3 pieces per word,
  so ~180 words fill the model's window without truncating.
"""

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from content.blocks import block_searchable_text

WINDOW_WORDS = 180
OVERLAP_WORDS = 30
CONTEXT_SEPARATOR = " › "

_SPACE_RE = re.compile(r"\s+")
# Control characters never carry meaning in page text; search.selectors uses two of
# them as highlight markers, so none may survive into a chunk.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class ChunkText:
    position: int
    text: str

    @property
    def content_hash(self) -> str:
        return chunk_hash(self.text)


def chunk_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(value: str) -> str:
    # content.blocks already turns rich text into plain text (tags gone, entities
    # decoded): only whitespace and control characters are normalised here.
    return _SPACE_RE.sub(" ", _CONTROL_RE.sub("", value)).strip()


def _windows(words: list[str]) -> Iterable[list[str]]:
    step = WINDOW_WORDS - OVERLAP_WORDS
    for start in range(0, max(len(words) - OVERLAP_WORDS, 1), step):
        yield words[start : start + WINDOW_WORDS]


def page_chunks(*, title: str, blocks: list[dict], block_text: Callable[[dict], str] | None = None) -> list[ChunkText]:
    """The chunks of one page, in reading order, positions 0..n-1."""
    text_of = block_text or block_searchable_text
    title = _plain(title or "")
    sections: list[tuple[str, list[str]]] = [("", [])]
    for block in blocks or []:
        if not isinstance(block, dict):
            continue
        text = _plain(text_of(block) or "")
        if block.get("type") == "heading":
            sections.append((text, []))
        elif text:
            sections[-1][1].append(text)

    bodies: list[tuple[str, str]] = []
    for heading, texts in sections:
        if not texts:
            if heading:
                bodies.append((heading, ""))  # a heading alone is still findable
            continue
        current: list[str] = []
        for text in texts:
            words = text.split(" ")
            if len(words) > WINDOW_WORDS:
                if current:
                    bodies.append((heading, " ".join(current)))
                    current = []
                bodies.extend((heading, " ".join(window)) for window in _windows(words))
                continue
            if current and len(" ".join(current).split(" ")) + len(words) > WINDOW_WORDS:
                bodies.append((heading, " ".join(current)))
                current = []
            current.append(text)
        if current:
            bodies.append((heading, " ".join(current)))

    chunks = []
    for heading, body in bodies:
        context = CONTEXT_SEPARATOR.join(part for part in (title, heading) if part)
        text = f"{context}\n{body}".strip() if body else context
        if text:
            chunks.append(ChunkText(position=len(chunks), text=text))
    if not chunks and title:
        chunks.append(ChunkText(position=0, text=title))
    return chunks
