"""Settings of the search app: which embedder, and the query's knobs.

The defaults run everything on this machine: the local all-MiniLM-L6-v2 model
(384 dimensions) and HNSW at ef_search 100, which bench/search.py measured at
recall@10 >= 0.95 on 100k chunks.
"""

from config.settings.env import env_bool, env_int, env_str

# "local" (sentence-transformers on CPU, offline) or "http" (an OpenAI-compatible
# /v1/embeddings endpoint).
SEARCH_EMBEDDER = env_str("SEARCH_EMBEDDER", "local")
SEARCH_EMBEDDINGS_URL = env_str("SEARCH_EMBEDDINGS_URL", "")
SEARCH_EMBEDDINGS_MODEL = env_str("SEARCH_EMBEDDINGS_MODEL", "")
SEARCH_EMBEDDINGS_API_KEY = env_str("SEARCH_EMBEDDINGS_API_KEY", "")
SEARCH_EMBEDDINGS_TIMEOUT = env_int("SEARCH_EMBEDDINGS_TIMEOUT", 30)
# Load the embedder when a web worker starts (a background thread, config/wsgi.py) rather
# than on the worker's first search; /readyz answers 503 `"search": "loading"` meanwhile.
SEARCH_WARM_START = env_bool("SEARCH_WARM_START", True)
# torch threads of the local model per process (web workers and Celery workers are
# already one process per core).
SEARCH_TORCH_THREADS = env_int("SEARCH_TORCH_THREADS", 1)
# The width of the `vector` column: it must equal the embedder's dimension (checked
# when the embedder loads). Changing it needs a fresh migration of search.Chunk and a
# full `search_reindex`.
SEARCH_DIMENSIONS = env_int("SEARCH_DIMENSIONS", 384)
# HNSW candidate list per query: higher is more exact and slower. pgvector's cost
# estimate grows with it, so a large value can tip the planner to a sequential scan
# (search/tests/test_plan.py checks the plan at this value).
SEARCH_EF_SEARCH = env_int("SEARCH_EF_SEARCH", 200)
# Candidates each ranker hands to reciprocal rank fusion, and RRF's k (Cormack et al. 2009).
SEARCH_CANDIDATES = env_int("SEARCH_CANDIDATES", 40)
SEARCH_RRF_K = env_int("SEARCH_RRF_K", 60)
# Weight of the keyword list in the fusion (the semantic list weighs 1): visitors ask
# in their own words, so words shared with a page are the weaker signal
# (bench/search_quality.py measures the choice).
SEARCH_KEYWORD_WEIGHT = float(env_str("SEARCH_KEYWORD_WEIGHT", "1.0"))
# Full-text matches ranked per query at most: ts_rank_cd over every match of a common
# word is the p95 tail otherwise.
SEARCH_KEYWORD_CAP = env_int("SEARCH_KEYWORD_CAP", 1000)
# A query word PostgreSQL estimates in more than this many of the tenant's chunks is
# dropped from the keyword query (it ranks little and costs a scan of much of the index).
SEARCH_KEYWORD_MAX_MATCHES = env_int("SEARCH_KEYWORD_MAX_MATCHES", 5000)
# Query embeddings are cached (Redis) so a repeated query skips the model.
SEARCH_QUERY_CACHE_SECONDS = env_int("SEARCH_QUERY_CACHE_SECONDS", 86400)
