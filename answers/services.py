"""Answers to a visitor's question from the site's own pages.

`answer_events(question, ...)` is the one path: retrieve the passages (answers.selectors),
then

- nothing relevant on the site: "no answer on this site", and no model is called;
- a model configured (LLM_* or the tenant's override): the passages in a delimited block
  (answers.prompts), the answer's text as it arrives, citations checked on the way;
- no model, or the model down / erroring / too slow before its first word: an
  **extractive** answer, labelled so: the passages' sentences closest to the question,
  each followed by its citation. Nothing is written that the pages do not say.

It yields ("meta", ...), then ("delta", text) pieces, then ("done", Answer); the API's
JSON answer and the server-sent events are two ways of consuming it. The trace (tokens,
latency, the question only if the site keeps them) is stored at the end.
"""

import logging
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from django.db import connection
from django.db.models.sql.subqueries import InsertQuery

from answers import llm
from answers.crypto import secret_encrypt
from answers.models import AnswerRecord, AnswerSettings
from answers.prompts import I_DONT_KNOW, CitationFilter, is_i_dont_know, messages_build
from answers.selectors import Passage, Sentence, answer_passages, answer_settings_get, model_config_get

logger = logging.getLogger(__name__)

NO_ANSWER = "There is no answer to this on this site."
EXTRACTIVE_LABEL = "Extractive answer: sentences quoted from this site's pages, no model wrote it."
FALLBACK_NOTE = "No model answer ({reason}): these are sentences quoted from the site's pages."
MID_STREAM_NOTE = "The model's answer stopped early ({reason})."
QUESTION_EMPTY = "Ask a question."
QUESTION_TOO_LONG = "The question is too long: at most {max} characters."
QUESTION_MAX_CHARS = 500

# Extractive: the EXTRACT_SENTENCES sentences of the first page closest to the question
# (by the sentence vectors the index holds), from every chunk of that page
# (Passage.page_sentences), not only the passage the search ranked it by: "how fast can I
# get a replacement component" is answered by the page's first paragraph while its
# service-contract paragraph ranked it. Plus the closest
# one of the second passage when its page scores within SECOND_PAGE_MARGIN of the first.
# Chosen on the calibration sites of the quality set (bikes, acme: the page's sentences
# rather than the passage's, 1-3 sentences) and reported on the held-out ones too
# (bench/answers.py, docs/benchmarks.md).
EXTRACT_SENTENCES = 3
SECOND_PAGE_MARGIN = 0.05


class AnswerMode(StrEnum):
    AUTO = "auto"  # the model when there is one, else extractive
    EXTRACTIVE = "extractive"


class QuestionInvalid(ValueError):
    """A question that cannot be asked (empty, too long): a 422 at the API's edge."""


@dataclass(frozen=True)
class Citation:
    number: int
    title: str
    url: str
    snippet: str


@dataclass
class Answer:
    question: str
    mode: str  # AnswerRecord.Mode
    text: str
    citations: list[Citation] = field(default_factory=list)
    note: str = ""
    label: str = ""
    model: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def question_clean(question: str) -> str:
    question = " ".join((question or "").split())
    if not question:
        raise QuestionInvalid(QUESTION_EMPTY)
    if len(question) > QUESTION_MAX_CHARS:
        raise QuestionInvalid(QUESTION_TOO_LONG.format(max=QUESTION_MAX_CHARS))
    return question


def answer_question(
    *, question: str, mode: AnswerMode | str = AnswerMode.AUTO, surface: str = AnswerRecord.Surface.API
) -> Answer:
    """The whole answer at once (the model asked without streaming)."""
    answer = None
    for name, value in answer_events(question=question, mode=mode, surface=surface, stream=False):
        if name == "done":
            answer = value
    return answer


def answer_events(
    *,
    question: str,
    mode: AnswerMode | str = AnswerMode.AUTO,
    surface: str = AnswerRecord.Surface.API,
    stream: bool = True,
) -> Iterator[tuple[str, object]]:
    """("meta", {...}), ("delta", str)..., ("done", Answer). Never raises for a model
    failure (the answer is then extractive, with a note); QuestionInvalid before the first
    event for a bad question."""
    question = question_clean(question)
    started = time.perf_counter()
    answer_settings = answer_settings_get()
    passages = answer_passages(question=question)
    config = model_config_get(answer_settings) if AnswerMode(mode) == AnswerMode.AUTO else None
    trace = {"passages": len(passages), "streamed": stream, "first_byte_ms": None}
    yield "meta", {"passages": len(passages), "model": bool(config and passages)}

    usage = None
    if not passages:
        answer = Answer(question=question, mode=AnswerRecord.Mode.NONE, text=NO_ANSWER)
        trace["first_byte_ms"] = _ms(started)
        yield "delta", answer.text
    elif config is None:
        answer = extractive_answer(question=question, passages=passages)
        trace["first_byte_ms"] = _ms(started)
        yield "delta", answer.text
    else:
        answer, usage = yield from _model_answer(
            question, passages, config, stream=stream, trace=trace, started=started
        )

    record = AnswerRecord(
        mode=answer.mode,
        surface=surface,
        streamed=stream,
        model=answer.model,
        latency_ms=_ms(started),
        first_byte_ms=trace["first_byte_ms"],
        passages=len(passages),
        citations=len(answer.citations),
        note=answer.note[:300],
        question=question if answer_settings.keep_questions else "",
    )
    if usage is not None:
        record.tokens_in, record.tokens_out, record.tokens_estimated = usage
    try:
        yield "done", answer
    finally:
        # After the last event: a streaming client has its answer before the trace is
        # written; a client gone after it (the generator closed) still leaves its trace.
        _record_save(record)


def _record_save(record: AnswerRecord) -> None:
    """Insert the trace in one round trip, without waiting for its WAL flush: the setting
    and the INSERT go as one simple-query string, which PostgreSQL runs as one implicit
    transaction (as search.selectors._search_rows does), so synchronous_commit is off for
    that transaction only and the commit returns before the disk sync. A crash may lose
    the last few traces, never corrupt anything. Inside a caller's transaction it is one
    more statement of it (the setting then lasts until that transaction ends).
    Was BEGIN, SET LOCAL, INSERT, COMMIT: four round trips, each a wake-up of the
    database's process, which is what a loaded machine makes slow."""
    fields = [field for field in AnswerRecord._meta.local_concrete_fields if not field.primary_key]
    query = InsertQuery(AnswerRecord)
    query.insert_values(fields, [record])
    [(insert, params)] = query.get_compiler(connection=connection).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT set_config('synchronous_commit', 'off', true);\n{insert}", params)


def _model_answer(question, passages, config, *, stream, trace, started):
    """Yields the model's text; returns (Answer, (tokens in, out, estimated))."""
    messages = messages_build(question=question, passages=passages)
    citations = CitationFilter(len(passages))
    parts: list[str] = []
    note = ""
    try:
        completion = llm.chat(config, messages, stream=stream)
        for delta in completion:
            kept = citations.feed(delta)
            if kept:
                if trace["first_byte_ms"] is None:
                    trace["first_byte_ms"] = _ms(started)
                parts.append(kept)
                yield "delta", kept
        tail = citations.finish()
        if tail:
            parts.append(tail)
            yield "delta", tail
    except llm.ModelUnavailable as exc:
        logger.warning("answer: model %s unavailable: %s", config.url, exc)
        if not parts:  # nothing shown yet: the site's own sentences instead
            answer = extractive_answer(question=question, passages=passages)
            answer.note = FALLBACK_NOTE.format(reason=exc)
            if trace["first_byte_ms"] is None:
                trace["first_byte_ms"] = _ms(started)
            yield "delta", answer.text
            return answer, _estimate(messages, "")
        note = MID_STREAM_NOTE.format(reason=exc)
        completion = None
    text = "".join(parts).strip()
    if is_i_dont_know(text):
        answer = Answer(question=question, mode=AnswerRecord.Mode.MODEL, text=I_DONT_KNOW, model=config.model)
    else:
        answer = Answer(
            question=question,
            mode=AnswerRecord.Mode.MODEL,
            text=text,
            citations=_citations(passages, citations.cited),
            note=note,
            model=config.model,
        )
    if completion is not None and completion.usage.reported:
        return answer, (completion.usage.tokens_in, completion.usage.tokens_out, False)
    return answer, _estimate(messages, text)


def _estimate(messages: list[dict], text: str) -> tuple[int, int, bool]:
    # ~4 characters a token in English, when the server reports no usage.
    return sum(len(m["content"]) for m in messages) // 4, len(text) // 4, True


def _citations(passages: list[Passage], numbers: list[int]) -> list[Citation]:
    by_number = {p.number: p for p in passages}
    return [
        Citation(number=n, title=by_number[n].title, url=by_number[n].url, snippet=by_number[n].snippet)
        for n in numbers
        if n in by_number
    ]


def extractive_answer(*, question: str, passages: list[Passage]) -> Answer:
    """The site's own sentences closest to the question: the best EXTRACT_SENTENCES of the
    first page (in reading order), and the best one of the second passage when its page
    scores within SECOND_PAGE_MARGIN of the first (two pages answer about as well). Each
    page's sentences are followed by its citation. Nothing else is written."""
    first = passages[0]
    on_page = first.page_sentences or first.sentences
    parts = [(first, _sentences_best(on_page, EXTRACT_SENTENCES))]
    if len(passages) > 1 and passages[1].score >= first.score - SECOND_PAGE_MARGIN:
        shown = {sentence.text for sentence in parts[0][1]}
        parts.append((passages[1], [s for s in _sentences_best(passages[1].sentences, 1) if s.text not in shown]))
    parts = [(passage, sentences) for passage, sentences in parts if sentences]
    if not parts:  # passages that are a heading alone: the heading is what the page says
        text, numbers = f"{first.context} [{first.number}]", [first.number]
    else:
        text = " ".join(" ".join(s.text.rstrip() for s in sentences) + f" [{p.number}]" for p, sentences in parts)
        numbers = [passage.number for passage, _ in parts]
    return Answer(
        question=question,
        mode=AnswerRecord.Mode.EXTRACTIVE,
        text=text,
        citations=_citations(passages, numbers),
        label=EXTRACTIVE_LABEL,
    )


def _sentences_best(sentences: list[Sentence], count: int) -> list[Sentence]:
    best = sorted(sentences, key=lambda sentence: -sentence.similarity)[:count]
    return sorted(best, key=lambda sentence: sentence.index)


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def answer_settings_update(
    *,
    answer_settings: AnswerSettings,
    base_url: str,
    model: str,
    extractive_only: bool,
    keep_questions: bool,
    api_key: str | None = None,
) -> AnswerSettings:
    """Save the tenant's model settings. `api_key`: None keeps the stored one, "" removes
    it (LLM_API_KEY from the environment is used then), any other value replaces it,
    encrypted (answers.crypto)."""
    answer_settings.base_url = base_url.strip()
    answer_settings.model = model.strip()
    answer_settings.extractive_only = extractive_only
    answer_settings.keep_questions = keep_questions
    if api_key is not None:
        answer_settings.api_key_encrypted = secret_encrypt(api_key.strip())
    answer_settings.full_clean()
    answer_settings.save()
    return answer_settings
