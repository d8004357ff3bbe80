"""Settings for faults and hostile input: outage logging, brute-force limits on logins.

Read with config/outage.py (an outage is logged once per interval) and config/errors.py
(503 while a dependency is down, 500 with a request id, problem+json under /api/).
"""

from config.settings.base import INSTALLED_APPS, LOGGING
from config.settings.env import env_int

# A dependency's outage is logged at most once per this many seconds per process.
OUTAGE_LOG_SECONDS = env_int("OUTAGE_LOG_SECONDS", 60)

# Django logs every 5xx answer; during an outage that is one line per request.
LOGGING.setdefault("filters", {})["outage"] = {"()": "config.outage.OutageLogFilter"}
LOGGING["handlers"]["console"].setdefault("filters", []).append("outage")

# Brute force (logins/limits.py): failed logins per (client IP, username) and per client IP,
# counted in Redis per tenant, within a window that starts at the first failure.
INSTALLED_APPS.append("logins")  # no models: its AppConfig connects the failed-login signal
AUTHENTICATION_BACKENDS = ["logins.backends.LimitedModelBackend"]
LOGIN_FAILURES_PER_USER_IP = env_int("LOGIN_FAILURES_PER_USER_IP", 5)
LOGIN_FAILURES_PER_IP = env_int("LOGIN_FAILURES_PER_IP", 50)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
