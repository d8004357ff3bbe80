"""Settings for faults and hostile input: outage logging, brute-force limits on logins.

Read with config/outage.py (an outage is logged once per interval) and config/errors.py
(503 while a dependency is down, 500 with a request id, problem+json under /api/).
"""

from config.settings.base import LOGGING
from config.settings.env import env_int

# A dependency's outage is logged at most once per this many seconds per process.
OUTAGE_LOG_SECONDS = env_int("OUTAGE_LOG_SECONDS", 60)

# Django logs every 5xx answer; during an outage that is one line per request.
LOGGING.setdefault("filters", {})["outage"] = {"()": "config.outage.OutageLogFilter"}
LOGGING["handlers"]["console"].setdefault("filters", []).append("outage")
