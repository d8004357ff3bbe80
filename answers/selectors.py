"""Reads of the answers app: the tenant's model settings, and the passages an answer is
built from.

Passages come from the site search (search.selectors.search_pages, hybrid, this tenant's
published pages only, with its relevance floor and its "about something else" gate): when
it finds nothing, there is no answer on this site and no model is called. For each page it
returns, one more statement reads the passage's text and sentences, each sentence's
similarity to the question (from the sentence vectors the index already holds), and the
page's published blocks (to link to the heading the passage sits under). The passages come
back in the order the answer uses and numbers them (the model's prompt, the extractive
answer, the citations): the search's, except that of its first two pages the one whose page
says the answer closest in one sentence leads (RERANK_PAGES).
"""

import json
import re
from dataclasses import dataclass, field
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from answers.crypto import secret_decrypt
from answers.llm import ModelConfig
from answers.models import AnswerSettings
from content.blocks import block_searchable_text
from search.chunking import CONTEXT_SEPARATOR
from search.selectors import Mode, query_embedding, query_text, search_pages


@dataclass
class Sentence:
    text: str
    similarity: float  # to the question (the chunk's own when it has one sentence)
    index: int


@dataclass
class Passage:
    number: int  # 1-based, as cited
    page_id: int
    title: str
    path: str
    anchor: str  # "" or the id of the heading the passage sits under
    context: str  # "Page title › Heading"
    body: str
    score: float  # the search's score of the page's best passage
    snippet: str  # plain text: the search's best sentence
    sentences: list[Sentence] = field(default_factory=list)
    # The passages that may lead the answer only (RERANK_PAGES): every sentence of the page
    # (all its chunks), in reading order.
    page_sentences: list[Sentence] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{self.path}#{self.anchor}" if self.anchor else self.path


def answer_settings_get() -> AnswerSettings:
    """The tenant's row, or the defaults (unsaved) when its admin never saved one."""
    return AnswerSettings.objects.order_by("pk").first() or AnswerSettings()


def model_config_get(answer_settings: AnswerSettings) -> ModelConfig | None:
    """The model this tenant's answers use: its own server/model if set, else the
    platform's; None when there is none (or the tenant chose extractive answers only)."""
    if answer_settings.extractive_only:
        return None
    base_url = answer_settings.base_url or settings.LLM_BASE_URL
    model = answer_settings.model or settings.LLM_MODEL
    if not base_url:
        return None
    api_key = secret_decrypt(answer_settings.api_key_encrypted) or settings.LLM_API_KEY
    return ModelConfig(base_url=base_url, model=model, api_key=api_key)


# The hits' chunks, and every other chunk of the first RERANK_PAGES hits' pages (the answer
# may lead with either, and the extractive answer quotes the whole page:
# Passage.page_sentences), in reading order.
_PASSAGES_SQL = """
SELECT c.id, c.page_id, c.text, c.sentences,
       CASE WHEN c.sentence_embeddings IS NULL THEN NULL ELSE (
           SELECT array_agg(1 - (u.v <=> %(h)s::halfvec({dim})) ORDER BY u.i)
           FROM unnest(c.sentence_embeddings) WITH ORDINALITY u(v, i)
       ) END,
       1 - (c.embedding::vector({dim}) <=> %(v)s::vector({dim})),
       p.published_title, p.published_blocks
FROM search_chunk c JOIN content_page p ON p.id = c.page_id
WHERE c.id = ANY(%(ids)s) OR (c.page_id = ANY(%(lead_pages)s) AND p.status = 'published')
ORDER BY c.page_id, c.position
"""
# A sentence's reading-order index on its page: its chunk's rank x this + its index there.
_PAGE_ORDER = 10_000

# Which page the answer leads with (and cites first): of the search's first RERANK_PAGES
# pages, the one with the best search score + RERANK_SENTENCE_WEIGHT x the similarity of
# its page's sentence closest to the question (the sentence vectors the index holds): a
# page that says the answer in one sentence beats one that shares the question's words
# ("do you take credit cards": the payment page's "We accept Visa, Mastercard ..." over
# the gift-card page that holds "credit" and "cards"). Not when the first page holds most
# of the question's information word for word (share >= SEARCH_SNIPPET_KEYWORD_SHARE, what
# the snippet shows as a keyword match: "Onda dripper", "€21 2 bags"): the visitor typed
# the site's own terms, and that page is the one that has them.
# Chosen on the calibration sites (bikes, acme) among 1-4 pages x weights 0.25-100 over the
# stored page / passage sentence vectors, and over fresh embeddings of "title: sentence"
# (no better, and a model run per answer); docs/benchmarks.md has the figures.
RERANK_PAGES = 2
RERANK_SENTENCE_WEIGHT = 0.5


def answer_passages(*, question: str, limit: int | None = None) -> list[Passage]:
    """The best passage of each of the top `limit` pages for the question, numbered 1..n;
    [] when the site has nothing relevant. Two statements: the search, then the passages
    (with the rest of the first page's chunks)."""
    limit = limit or settings.ANSWERS_PASSAGES
    hits = search_pages(query=question, mode=Mode.HYBRID, limit=limit)
    if not hits:
        return []
    vector = query_embedding(query_text(question))
    literal = "[" + ",".join(f"{x:.7g}" for x in vector) + "]"
    dim = int(settings.SEARCH_DIMENSIONS)
    lead = hits[:RERANK_PAGES] if hits[0].share < settings.SEARCH_SNIPPET_KEYWORD_SHARE else hits[:1]
    params = {"h": literal, "v": literal, "ids": [h.chunk_id for h in hits], "lead_pages": [h.page_id for h in lead]}
    with connection.cursor() as cursor:
        cursor.execute(_PASSAGES_SQL.replace("{dim}", str(dim)), params)
        fetched = cursor.fetchall()
    rows = {row[0]: row[2:] for row in fetched}
    pages = {hit.page_id: _page_sentences([row for row in fetched if row[1] == hit.page_id]) for hit in lead}
    passages = []
    for hit in hits:
        if hit.chunk_id not in rows:  # unpublished between the two statements
            continue
        text, sentences, similarities, chunk_similarity, title, blocks = rows[hit.chunk_id]
        context, _, body = text.partition("\n")
        passages.append(
            Passage(
                number=0,  # numbered below, once in the answer's order
                page_id=hit.page_id,
                title=hit.title,
                path=hit.path,
                anchor=_heading_anchor(context=context, title=title or hit.title, blocks=blocks),
                context=context,
                body=body,
                score=hit.score,
                snippet=_plain_snippet(str(hit.snippet)),
                sentences=_sentences(text, sentences, similarities, chunk_similarity),
                page_sentences=pages.get(hit.page_id, []),
            )
        )
    passages = _passages_ordered(passages, lead=len(lead))
    for number, passage in enumerate(passages, 1):
        passage.number = number
    return passages


def _page_sentences(rows) -> list[Sentence]:
    """Every sentence of a page (its chunks' rows, in reading order), indexed in reading order."""
    return [
        Sentence(text=sentence.text, similarity=sentence.similarity, index=rank * _PAGE_ORDER + sentence.index)
        for rank, row in enumerate(rows)
        for sentence in _sentences(*row[2:6])
    ]


def _passages_ordered(passages: list[Passage], *, lead: int) -> list[Passage]:
    """The first `lead` passages by search score + RERANK_SENTENCE_WEIGHT x their page's
    best sentence similarity (ties: the search's order), then the rest as the search
    ranked them."""

    def key(passage: Passage) -> float:
        sentences = passage.page_sentences or passage.sentences
        best = max((s.similarity for s in sentences), default=passage.score)
        return passage.score + RERANK_SENTENCE_WEIGHT * best

    head = sorted(passages[:lead], key=key, reverse=True)  # stable: ties keep the search's order
    return head + passages[lead:]


def _sentences(text: str, sentences, similarities, chunk_similarity) -> list[Sentence]:
    """A chunk's sentences with their similarity to the question (the chunk's own when it has
    no sentence vectors; its body as one sentence when it has no sentence list)."""
    body = text.partition("\n")[2]
    sentences = list(sentences or []) or ([body] if body else [])
    if not similarities or len(similarities) != len(sentences):
        similarities = [chunk_similarity] * len(sentences)
    return [
        Sentence(text=s, similarity=float(sim), index=i)
        for i, (s, sim) in enumerate(zip(sentences, similarities, strict=True))
    ]


def _heading_anchor(*, context: str, title: str, blocks) -> str:
    """The id of the heading block named in the passage's context line ("title › heading"),
    which templates/blocks/heading.html renders as the element's id."""
    if isinstance(blocks, str):  # Django's psycopg loader hands jsonb over as text
        blocks = json.loads(blocks)
    prefix = " ".join(title.split()) + CONTEXT_SEPARATOR
    if not context.startswith(prefix):
        return ""
    heading = context[len(prefix) :]
    for block in blocks or []:
        if isinstance(block, dict) and block.get("type") == "heading" and block.get("id"):
            if " ".join(block_searchable_text(block).split()) == heading:
                return quote(str(block["id"]), safe="-_")
    return ""


_TAG_RE = re.compile(r"</?mark>")


def _plain_snippet(html: str) -> str:
    from html import unescape

    return unescape(_TAG_RE.sub("", html))
