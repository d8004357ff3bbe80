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
- Each chunk also lists its sentences (split inside each block, so a heading or a
  list never runs into the next block's text; at most SENTENCE_MAX_WORDS each). They
  are embedded too: a one-line answer ("Dogs are welcome inside.") drowned in a
  paragraph about other things is found by its own vector, and the search shows the
  sentence that matched rather than the chunk's first words (search.selectors).
"""

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from content.blocks import block_searchable_text

WINDOW_WORDS = 180
OVERLAP_WORDS = 30
SENTENCE_MAX_WORDS = 40
CONTEXT_SEPARATOR = " › "

_SPACE_RE = re.compile(r"\s+")
# Control characters never carry meaning in page text; search.selectors uses two of
# them as highlight markers, so none may survive into a chunk.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A sentence ends at . ! ? or … followed by space and what can start one (a capital,
# a digit, a currency sign, an opening quote or bracket).
_SENTENCE_END_RE = re.compile(r"(?<=[.!?…])\s+(?=[\"“'(\[]?[A-Z0-9£€$])")


@dataclass(frozen=True)
class ChunkText:
    position: int
    text: str
    # The sentences of the text after its context line, in order.
    sentences: tuple[str, ...] = ()

    @property
    def content_hash(self) -> str:
        return chunk_hash(self.text)


def chunk_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(value: str) -> str:
    # content.blocks already turns rich text into plain text (tags gone, entities
    # decoded): only whitespace and control characters are normalised here.
    return _SPACE_RE.sub(" ", _CONTROL_RE.sub("", value)).strip()


def sentences_split(text: str) -> list[str]:
    """The sentences of one block's text. A one-word piece ("No.", "Dr.") joins the
    next one; a longer run without punctuation (a table, a list) is cut every
    SENTENCE_MAX_WORDS words."""
    pieces: list[str] = []
    carry = ""
    for piece in _SENTENCE_END_RE.split(text):
        piece = f"{carry} {piece}".strip() if carry else piece.strip()
        carry = ""
        if len(piece.split(" ")) == 1:
            carry = piece
            continue
        pieces.append(piece)
    if carry:
        if pieces:
            pieces[-1] = f"{pieces[-1]} {carry}"
        else:
            pieces.append(carry)
    result = []
    for piece in pieces:
        words = piece.split(" ")
        result += [" ".join(words[i : i + SENTENCE_MAX_WORDS]) for i in range(0, len(words), SENTENCE_MAX_WORDS)]
    return [sentence for sentence in result if sentence]


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

    # (heading, the texts of the blocks or windows in the chunk)
    bodies: list[tuple[str, list[str]]] = []
    for heading, texts in sections:
        if not texts:
            if heading:
                bodies.append((heading, []))  # a heading alone is still findable
            continue
        current: list[str] = []
        for text in texts:
            words = text.split(" ")
            if len(words) > WINDOW_WORDS:
                if current:
                    bodies.append((heading, current))
                    current = []
                bodies.extend((heading, [" ".join(window)]) for window in _windows(words))
                continue
            if current and len(" ".join(current).split(" ")) + len(words) > WINDOW_WORDS:
                bodies.append((heading, current))
                current = []
            current.append(text)
        if current:
            bodies.append((heading, current))

    chunks = []
    for heading, texts in bodies:
        context = CONTEXT_SEPARATOR.join(part for part in (title, heading) if part)
        body = " ".join(texts)
        text = f"{context}\n{body}".strip() if body else context
        if text:
            sentences = tuple(sentence for part in texts for sentence in sentences_split(part))
            chunks.append(ChunkText(position=len(chunks), text=text, sentences=sentences))
    if not chunks and title:
        chunks.append(ChunkText(position=0, text=title))
    return chunks
