"""POST /api/answers: an answer to a question from this site's published pages, cited.

Readable with a JWT of this tenant or a partner key holding `search:read` (an answer is
built from what the search returns). JSON by default; `"stream": true` or
`Accept: text/event-stream` streams it as server-sent events (answers.streaming).
"""

from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from answers.models import AnswerRecord
from answers.services import QUESTION_MAX_CHARS, AnswerMode, answer_events, answer_question
from answers.streaming import sse_response
from answers.throttles import AnswerThrottle
from api.auth import ApiKeyAuth, JWTAuth
from api.errors import Problem, codes_4xx
from api.models import ApiKey
from api.throttles import throttles

router = Router(tags=["answers"])


class AnswerIn(Schema):
    question: str = Field(..., min_length=1, max_length=QUESTION_MAX_CHARS)
    mode: AnswerMode = Field(
        AnswerMode.AUTO,
        description="`auto`: the model when the site has one, else extractive; `extractive`: the site's own "
        "sentences, never a model.",
    )
    stream: bool = Field(False, description="Stream as text/event-stream (also chosen by `Accept`).")


class CitationOut(Schema):
    number: int = Field(description="The [n] in the text.")
    title: str
    url: str = Field(description="Path of the page on this site, with the passage's heading as anchor.")
    snippet: str = Field(description="Plain text: the passage's best sentence.")


class AnswerOut(Schema):
    question: str
    mode: Literal["model", "extractive", "none"] = Field(
        description="`model`: written by the model from the passages; `extractive`: sentences quoted from the "
        "pages; `none`: nothing on this site answers it (no model was asked)."
    )
    text: str
    citations: list[CitationOut]
    note: str = Field(description="Why a model answer is extractive (the model was down, erred, timed out).")
    label: str
    model: str


@router.post(
    "",
    response={200: AnswerOut, codes_4xx: Problem},
    auth=[JWTAuth(), ApiKeyAuth(ApiKey.Scope.SEARCH_READ.value)],
    throttle=[*throttles(), AnswerThrottle()],
    summary="Answer a question from the site's pages",
    # The same 200 as server-sent events when asked to stream.
    openapi_extra={
        "responses": {
            200: {
                "content": {
                    "text/event-stream": {
                        # One server-sent event (the stream is a sequence of them).
                        "schema": {
                            "type": "object",
                            "description": "Events `meta` {passages, model}, `delta` {text}..., `done` (the JSON "
                            "answer); `error` {detail} if the answer fails after the stream started. `data` is JSON.",
                            "properties": {
                                "event": {"type": "string", "enum": ["meta", "delta", "done", "error"]},
                                "data": {"type": "string"},
                            },
                            "required": ["event", "data"],
                        }
                    }
                }
            }
        }
    },
)
def answer(request: HttpRequest, payload: AnswerIn):
    """An answer grounded in this site's published pages, with citations (page title, URL
    with anchor, snippet). With `stream`, server-sent events: `meta`, `delta` {text}...,
    `done` (this operation's JSON body)."""
    wants_stream = payload.stream or "text/event-stream" in request.headers.get("Accept", "")
    if wants_stream:
        return sse_response(
            answer_events(question=payload.question, mode=payload.mode, surface=AnswerRecord.Surface.API)
        )
    return answer_question(question=payload.question, mode=payload.mode, surface=AnswerRecord.Surface.API).as_dict()
