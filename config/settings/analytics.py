"""Settings of the analytics app: counting page views, searches and API calls per tenant.

Counts are kept in each web process for up to ANALYTICS_FLUSH_SECONDS, then written to
Redis in one pipeline (analytics.counting); Celery beat rolls them into the tenant's tables.
"""

from config.settings.base import INSTALLED_APPS, TENANT_APPS
from config.settings.celery import CELERY_BEAT_SCHEDULE
from config.settings.env import env_bool, env_int

TENANT_APPS.append("analytics")
INSTALLED_APPS.append("analytics")

# Off: nothing is counted (the dashboard still shows what was). bench/analytics.py
# compares a cached page's req/s with it on and off.
ANALYTICS_ENABLED = env_bool("ANALYTICS_ENABLED", True)
# How long a web process keeps its counts before writing them to Redis (a SIGKILLed
# process loses at most these seconds of counts).
ANALYTICS_FLUSH_SECONDS = float(env_int("ANALYTICS_FLUSH_MS", 1000)) / 1000
# Per-minute rows are kept this many days (hours and days are kept for good).
ANALYTICS_MINUTE_DAYS = env_int("ANALYTICS_MINUTE_DAYS", 35)
# Tenants with new counts are rolled up this often; every tenant (conversions, purchases)
# every ANALYTICS_ROLLUP_ALL_SECONDS.
ANALYTICS_ROLLUP_SECONDS = env_int("ANALYTICS_ROLLUP_SECONDS", 10)
ANALYTICS_ROLLUP_ALL_SECONDS = env_int("ANALYTICS_ROLLUP_ALL_SECONDS", 300)
# The dashboard's page polls its numbers this often.
ANALYTICS_REFRESH_SECONDS = env_int("ANALYTICS_REFRESH_SECONDS", 5)

CELERY_BEAT_SCHEDULE["analytics-rollup-pending"] = {
    "task": "analytics.tasks.analytics_rollup_pending",
    "schedule": float(ANALYTICS_ROLLUP_SECONDS),
}
CELERY_BEAT_SCHEDULE["analytics-rollup-all"] = {
    "task": "analytics.tasks.analytics_rollup_all",
    "schedule": float(ANALYTICS_ROLLUP_ALL_SECONDS),
}
