"""A client of any OpenAI-compatible `POST {base_url}/chat/completions`, streaming or not.

What the answers need from it, and nothing more: the text (as one piece, or delta by
delta from the server-sent events), and the token counts (`usage`; asked for in a stream
with `stream_options.include_usage`, which servers that do not know it ignore).

Failures raise ModelUnavailable with a short reason for the visitor's note. A refused
connection, a 429 or a 5xx is retried LLM_RETRIES times with a growing delay (a
Retry-After of at most RETRY_AFTER_MAX seconds is honoured) before the first byte of the
answer; a timeout is not retried (the visitor has already waited LLM_TIMEOUT).
"""

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
from django.conf import settings

logger = logging.getLogger(__name__)

RETRY_AFTER_MAX = 2.0
MODEL_TIMED_OUT = "the model did not answer in time"
MODEL_UNREACHABLE = "the model could not be reached"
MODEL_ERROR = "the model answered with an error ({status})"
MODEL_INVALID = "the model's answer could not be read"
_RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})

_client: httpx.Client | None = None


class ModelUnavailable(Exception):
    """No answer from the model; str(exc) says why, in words for a visitor."""


@dataclass(frozen=True)
class ModelConfig:
    base_url: str
    model: str
    api_key: str = ""

    @property
    def url(self) -> str:
        return self.base_url.rstrip("/") + "/chat/completions"


@dataclass
class Usage:
    tokens_in: int = 0
    tokens_out: int = 0
    reported: bool = False


@dataclass
class Completion:
    """The answer's text as it arrives (iterate), then its usage."""

    deltas: Iterator[str]
    usage: Usage = field(default_factory=Usage)

    def __iter__(self) -> Iterator[str]:
        return self.deltas


def _http() -> httpx.Client:
    """One pooled client per process (thread-safe): keep-alive to the model server."""
    global _client
    if _client is None:
        _client = httpx.Client(limits=httpx.Limits(max_connections=50, max_keepalive_connections=10))
    return _client


def _delay(attempt: int, response: httpx.Response | None) -> float:
    retry_after = response.headers.get("retry-after") if response is not None else None
    if retry_after:
        try:
            return min(max(float(retry_after), 0.0), RETRY_AFTER_MAX)
        except ValueError:
            pass
    return min(0.2 * 2**attempt, RETRY_AFTER_MAX)


def _send(config: ModelConfig, body: dict, *, stream: bool) -> httpx.Response:
    """The response (status 2xx, body not yet read), after the retries."""
    headers = {"Content-Type": "application/json"}
    if config.api_key:
        headers["Authorization"] = f"Bearer {config.api_key}"
    timeout = httpx.Timeout(settings.LLM_TIMEOUT)
    attempts = max(settings.LLM_RETRIES, 0) + 1
    for attempt in range(attempts):
        response = None
        try:
            request = _http().build_request("POST", config.url, json=body, headers=headers, timeout=timeout)
            response = _http().send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise ModelUnavailable(MODEL_TIMED_OUT) from exc
        except httpx.HTTPError as exc:
            logger.warning("model %s unreachable (attempt %s/%s): %s", config.url, attempt + 1, attempts, exc)
            if attempt + 1 == attempts:
                raise ModelUnavailable(MODEL_UNREACHABLE) from exc
            time.sleep(_delay(attempt, None))
            continue
        if response.is_success:
            return response
        response.close()
        logger.warning("model %s answered %s (attempt %s/%s)", config.url, response.status_code, attempt + 1, attempts)
        if response.status_code not in _RETRIED_STATUSES or attempt + 1 == attempts:
            raise ModelUnavailable(MODEL_ERROR.format(status=response.status_code))
        time.sleep(_delay(attempt, response))
    raise AssertionError("unreachable")  # pragma: no cover


def _usage_read(usage: Usage, data: dict) -> None:
    reported = data.get("usage")
    if isinstance(reported, dict):
        usage.tokens_in = int(reported.get("prompt_tokens") or 0)
        usage.tokens_out = int(reported.get("completion_tokens") or 0)
        usage.reported = True


def chat(config: ModelConfig, messages: list[dict], *, stream: bool) -> Completion:
    """Send the conversation; the retries happen here, before anything is returned, so
    a caller that gets a Completion has a 2xx response. Reading it may still raise
    ModelUnavailable (a stalled or broken stream)."""
    body = {
        "model": config.model,
        "messages": messages,
        "temperature": 0,
        "max_tokens": settings.LLM_MAX_TOKENS,
        "stream": stream,
    }
    if stream:
        body["stream_options"] = {"include_usage": True}
    response = _send(config, body, stream=stream)
    usage = Usage()
    return Completion(deltas=(_stream_deltas if stream else _whole)(response, usage), usage=usage)


def _whole(response: httpx.Response, usage: Usage) -> Iterator[str]:
    try:
        try:
            data = json.loads(response.read())
            text = data["choices"][0]["message"]["content"] or ""
        except httpx.TimeoutException as exc:
            raise ModelUnavailable(MODEL_TIMED_OUT) from exc
        except httpx.HTTPError as exc:
            raise ModelUnavailable(MODEL_UNREACHABLE) from exc
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise ModelUnavailable(MODEL_INVALID) from exc
        _usage_read(usage, data)
        yield text
    finally:
        response.close()


def _stream_deltas(response: httpx.Response, usage: Usage) -> Iterator[str]:
    """The `data:` lines of the server-sent events, up to `data: [DONE]`."""
    try:
        for line in response.iter_lines():
            if not line.startswith("data:"):
                continue
            payload = line[5:].strip()
            if payload == "[DONE]":
                return
            try:
                data = json.loads(payload)
            except ValueError as exc:
                raise ModelUnavailable(MODEL_INVALID) from exc
            _usage_read(usage, data)
            for choice in data.get("choices") or []:
                text = (choice.get("delta") or {}).get("content")
                if text:
                    yield text
    except httpx.TimeoutException as exc:
        raise ModelUnavailable(MODEL_TIMED_OUT) from exc
    except httpx.HTTPError as exc:
        raise ModelUnavailable(MODEL_UNREACHABLE) from exc
    finally:
        response.close()
