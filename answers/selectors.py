"""Reads of the answers app: the tenant's model settings, and the passages an answer is
built from.

Passages come from the site search (search.selectors.search_pages, hybrid, this tenant's
published pages only, with its relevance floor and its "about something else" gate): when
it finds nothing, there is no answer on this site and no model is called. For each page it
returns, one more statement reads the passage's text and sentences, each sentence's
similarity to the question (from the sentence vectors the index already holds), and the
page's published blocks (to link to the heading the passage sits under).
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
    # The first passage only: every sentence of its page (all its chunks), in reading order.
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


# The hits' chunks, and every other chunk of the first hit's page (the extractive answer
# quotes the whole page: Passage.page_sentences), in reading order. A prepared statement
# (connection.prepared_cursor(): parsed and planned once per connection, not per answer;
# the query's 384-float vector is bound once, in `q`, and cast once there, not per
# sentence); the page's blocks only on the hits' rows (the heading anchor reads them).
_PASSAGES_SQL = """
WITH q AS MATERIALIZED (SELECT %(vector)s::vector({dim}) AS v, %(vector)s::halfvec({dim}) AS h)
SELECT c.id, c.page_id, c.text, c.sentences,
       CASE WHEN c.sentence_embeddings IS NULL THEN NULL ELSE (
           SELECT array_agg(1 - (u.v <=> q.h) ORDER BY u.i)
           FROM unnest(c.sentence_embeddings) WITH ORDINALITY u(v, i)
       ) END,
       1 - (c.embedding::vector({dim}) <=> q.v),
       p.published_title, CASE WHEN c.id = ANY(%(ids)s) THEN p.published_blocks END
FROM q, search_chunk c JOIN content_page p ON p.id = c.page_id
WHERE c.id = ANY(%(ids)s) OR (c.page_id = %(first_page)s AND p.status = 'published')
ORDER BY c.page_id, c.position
"""
# A sentence's reading-order index on its page: its chunk's rank x this + its index there.
_PAGE_ORDER = 10_000


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
    params = {"vector": literal, "ids": [h.chunk_id for h in hits], "first_page": hits[0].page_id}
    with connection.prepared_cursor() as cursor:
        cursor.execute(_PASSAGES_SQL.replace("{dim}", str(dim)), params)
        fetched = cursor.fetchall()
    rows = {row[0]: row[2:] for row in fetched}
    first_page = [
        Sentence(text=sentence.text, similarity=sentence.similarity, index=rank * _PAGE_ORDER + sentence.index)
        for rank, row in enumerate(row for row in fetched if row[1] == hits[0].page_id)
        for sentence in _sentences(*row[2:6])
    ]
    passages = []
    for hit in hits:
        if hit.chunk_id not in rows:  # unpublished between the two statements
            continue
        text, sentences, similarities, chunk_similarity, title, blocks = rows[hit.chunk_id]
        context, _, body = text.partition("\n")
        passages.append(
            Passage(
                number=len(passages) + 1,
                page_id=hit.page_id,
                title=hit.title,
                path=hit.path,
                anchor=_heading_anchor(context=context, title=title or hit.title, blocks=blocks),
                context=context,
                body=body,
                score=hit.score,
                snippet=_plain_snippet(str(hit.snippet)),
                sentences=_sentences(text, sentences, similarities, chunk_similarity),
                page_sentences=first_page if not passages else [],
            )
        )
    return passages


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
