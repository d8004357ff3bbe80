"""Settings of the answers app: the model (any OpenAI-compatible chat completions server),
its timeout and retries, and how often a client may ask.

Without LLM_BASE_URL (and no tenant override in its admin) every answer is extractive:
the best sentences of the site's own passages, labelled as such. A tenant can point its
site at another server or model in its admin (Answers → Answer settings); its key is
stored encrypted there, or only LLM_API_KEY from the environment is used.
"""

from config.settings.base import INSTALLED_APPS, TENANT_APPS
from config.settings.env import env_int, env_str

# Per tenant: its answer settings and the trace of each answer live in its schema.
TENANT_APPS.append("answers")
INSTALLED_APPS.append("answers")

# e.g. "http://127.0.0.1:8080/v1" or "https://api.openai.com/v1": "/chat/completions" is appended.
LLM_BASE_URL = env_str("LLM_BASE_URL", "")
LLM_API_KEY = env_str("LLM_API_KEY", "")
LLM_MODEL = env_str("LLM_MODEL", "")
# Seconds to connect, and between two chunks of the answer (a stalled stream ends there).
LLM_TIMEOUT = float(env_str("LLM_TIMEOUT", "20"))
# Retries after a 429 or 5xx (or a refused connection), with a growing delay; then the
# answer is extractive, with a note saying why.
LLM_RETRIES = env_int("LLM_RETRIES", 2)
LLM_MAX_TOKENS = env_int("LLM_MAX_TOKENS", 400)
# Passages given to the model (and the citations it may use), best first.
ANSWERS_PASSAGES = env_int("ANSWERS_PASSAGES", 4)
# Questions per client (user, API key or visitor's IP) per window, per tenant.
ANSWERS_RATE_LIMIT = env_str("ANSWERS_RATE_LIMIT", "20/m")
