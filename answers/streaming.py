"""Server-sent events of an answer (text/event-stream), for the API and the Ask box.

Events: `meta` {passages, model}, then `delta` {text} pieces as they arrive, then `done`
with the whole answer (text, mode, citations, note, label). An error after the stream
started (the response status is already 200) is an `error` event, never a broken stream.
"""

import json
import logging
from collections.abc import Iterator

from django.http import StreamingHttpResponse

from answers.services import Answer

logger = logging.getLogger(__name__)
STREAM_FAILED = "The answer failed; try again."


def sse_event(name: str, data: dict) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def _encode(events: Iterator[tuple[str, object]]) -> Iterator[bytes]:
    try:
        for name, value in events:
            if name == "delta":
                yield sse_event("delta", {"text": value})
            elif name == "done":
                assert isinstance(value, Answer)
                yield sse_event("done", value.as_dict())
            else:
                yield sse_event(name, value)
    except Exception:
        logger.exception("answer stream failed")
        yield sse_event("error", {"detail": STREAM_FAILED})


def sse_response(events: Iterator[tuple[str, object]]) -> StreamingHttpResponse:
    """The first event is computed before the response is returned, so a QuestionInvalid
    is raised to the caller (an error status), not sent as a 200 stream."""
    first = next(events)

    def body():
        yield sse_event(first[0], first[1])
        yield from _encode(events)

    response = StreamingHttpResponse(body(), content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response
