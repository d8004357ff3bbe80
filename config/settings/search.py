"""Settings of the search app: which embedder, and the query's knobs.

The defaults run everything on this machine: the local all-MiniLM-L6-v2 model
(384 dimensions) and HNSW at ef_search 400, which bench/search.py measured at
recall@10 0.982-0.988 on 100k chunks (two builds of the index; 200 gave 0.962-0.972).
"""

from config.settings.env import env_bool, env_int, env_str

# "local" (all-MiniLM-L6-v2 in ONNX Runtime on CPU, offline) or "http" (an OpenAI-compatible
# /v1/embeddings endpoint).
SEARCH_EMBEDDER = env_str("SEARCH_EMBEDDER", "local")
SEARCH_EMBEDDINGS_URL = env_str("SEARCH_EMBEDDINGS_URL", "")
SEARCH_EMBEDDINGS_MODEL = env_str("SEARCH_EMBEDDINGS_MODEL", "")
SEARCH_EMBEDDINGS_API_KEY = env_str("SEARCH_EMBEDDINGS_API_KEY", "")
SEARCH_EMBEDDINGS_TIMEOUT = env_int("SEARCH_EMBEDDINGS_TIMEOUT", 30)
# Load the embedder when a web worker starts (a background thread, config/wsgi.py) rather
# than on the worker's first search; /readyz answers 503 `"search": "loading"` meanwhile.
SEARCH_WARM_START = env_bool("SEARCH_WARM_START", True)
# ONNX Runtime threads of the local model per process (web workers and Celery workers are
# already one process per core). SEARCH_TORCH_THREADS is its name from before issue 12.
SEARCH_MODEL_THREADS = env_int("SEARCH_MODEL_THREADS", env_int("SEARCH_TORCH_THREADS", 1))
# The local model's weights (search/onnx_export.py says how each is made): "fp32" (as
# exported; a query ~4.5 ms on one quiet core), "int8-outliers" (int8 with each activation's
# 4 outlier channels kept in fp32: ~half fp32's time, vectors 0.995 cosine to fp32's at
# worst) or "int8" (plain dynamic int8: ~0.4x fp32's time, 0.98 cosine). fp32 stays the
# default: the search floors were calibrated on it, and with int8-outliers one "near"
# no-answer question of the final held-out batch crosses the rare-word veto (hybrid
# no-answer 0.917 -> 0.833; docs/benchmarks.md, issue 12 fourth session). Changing it
# changes every chunk's vector: run `search_reindex` after.
SEARCH_MODEL_PRECISION = env_str("SEARCH_MODEL_PRECISION", "fp32")
# The width of the `vector` column: it must equal the embedder's dimension (checked
# when the embedder loads). Changing it needs a fresh migration of search.Chunk and a
# full `search_reindex`.
SEARCH_DIMENSIONS = env_int("SEARCH_DIMENSIONS", 384)
# HNSW candidate list per query: higher is more exact and slower. pgvector's cost
# estimate grows with it, so a large value can tip the planner to a sequential scan
# (search/tests/test_plan.py checks the plan at this value). 200 on the halfvec index
# of migration 0003 (m 24, ef_construction 128): recall@10 0.981 and 0.991 on two builds
# of the 100k bench index (ef 100: 0.960 / 0.968), where the vector index of 0001 (m 16,
# ef_construction 64) needed 400 (200: 0.941-0.979 over four builds); the nearest-40 scan
# 3.0 against 4.2 ms (docs/benchmarks.md, issue 12, fourth session).
SEARCH_EF_SEARCH = env_int("SEARCH_EF_SEARCH", 200)
# Candidates each list (nearest chunk vectors, keyword matches) hands to the scoring.
SEARCH_CANDIDATES = env_int("SEARCH_CANDIDATES", 40)
# The scores (search.selectors explains them): similarity = chunk cosine +
# SEARCH_SENTENCE_WEIGHT x (best sentence cosine - chunk cosine, when higher);
# hybrid = similarity + SEARCH_KEYWORD_WEIGHT x keyword share.
# These four hybrid values and the semantic floor were chosen by leave-one-site-out
# cross-validation over the four sites of search/tests/quality (`bench/search_quality.py
# --cv`: each site scored with the values that maximise the mean of recall@5, MRR@10 and
# no-answer accuracy on the other three; the values below are that rule applied to all
# four) and then frozen before the fresh held-out questions were written
# (docs/benchmarks.md, "search quality").
SEARCH_SENTENCE_WEIGHT = float(env_str("SEARCH_SENTENCE_WEIGHT", "0.5"))
SEARCH_KEYWORD_WEIGHT = float(env_str("SEARCH_KEYWORD_WEIGHT", "0.2"))
# Relevance floors, one per mode, on that mode's score: a page whose best passage scores
# lower is not a result. Keyword mode has none: no floor on the share dropped an
# unrelated question there without dropping answers (a page holding one of the words is
# what a keyword search asks for).
SEARCH_MIN_SCORE = float(env_str("SEARCH_MIN_SCORE", "0.23"))  # hybrid
SEARCH_MIN_SIMILARITY = float(env_str("SEARCH_MIN_SIMILARITY", "0.23"))  # semantic
SEARCH_MIN_KEYWORD_SHARE = float(env_str("SEARCH_MIN_KEYWORD_SHARE", "0"))  # keyword
# A question closer to some other subject than to the site is no question for it: with a
# vector (hybrid, semantic), the best page must also score at least the query's
# similarity with its closest general topic (search/background.py) minus this margin.
# Higher keeps more, a large value (9) turns the comparison off.
SEARCH_BACKGROUND_MARGIN = float(env_str("SEARCH_BACKGROUND_MARGIN", "0.1"))
# The same gate's second witness (search.selectors.background_passes): when the best page's
# similarity is under max(SEARCH_RARE_WORD_SIMILARITY, background similarity -
# SEARCH_RARE_WORD_MARGIN), a question word rarer in English than SEARCH_RARE_WORD_ZIPF
# (wordfreq's Zipf scale: "kayak" 3.2, "rental" 4.1, "bike" 4.6) that the site never uses
# empties the list. Chosen by leave-one-site-out cross-validation (`bench/search_quality.py
# --cv-veto`) with everything above frozen; SEARCH_RARE_WORD_ZIPF=0 turns it off.
SEARCH_RARE_WORD_ZIPF = float(env_str("SEARCH_RARE_WORD_ZIPF", "4.0"))
SEARCH_RARE_WORD_SIMILARITY = float(env_str("SEARCH_RARE_WORD_SIMILARITY", "0.375"))
SEARCH_RARE_WORD_MARGIN = float(env_str("SEARCH_RARE_WORD_MARGIN", "0.05"))
# A hybrid hit whose passage holds at least this share of the query's words is shown
# as a keyword match (the words in context); below it, as its best sentence.
SEARCH_SNIPPET_KEYWORD_SHARE = float(env_str("SEARCH_SNIPPET_KEYWORD_SHARE", "0.5"))
# Full-text matches ranked per query at most: ts_rank_cd over every match of a common
# word is the p95 tail otherwise.
SEARCH_KEYWORD_CAP = env_int("SEARCH_KEYWORD_CAP", 1000)
# A query word PostgreSQL estimates in more than this many of the tenant's chunks is
# dropped from the keyword query (it ranks little and costs a scan of much of the index).
SEARCH_KEYWORD_MAX_MATCHES = env_int("SEARCH_KEYWORD_MAX_MATCHES", 5000)
# Query embeddings are cached (Redis) so a repeated query skips the model.
SEARCH_QUERY_CACHE_SECONDS = env_int("SEARCH_QUERY_CACHE_SECONDS", 86400)
# And in each process, the most recent this many per process (all tenants, each keyed by
# its own; ~6 KB each): a repeated query then skips the Redis round trip too. 0: off.
SEARCH_QUERY_MEMORY_CACHE = env_int("SEARCH_QUERY_MEMORY_CACHE", 512)
