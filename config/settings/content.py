"""Settings of the content app."""

from config.settings.base import INSTALLED_APPS, TENANT_APPS
from config.settings.celery import CELERY_BEAT_SCHEDULE
from config.settings.env import env_bool, env_int

# The block editor in the admin (django-jsonform renders forms from JSON schemas).
# Appended in place: the lists are the ones base defined and django-tenants reads.
TENANT_APPS.append("django_jsonform")
INSTALLED_APPS.append("django_jsonform")

# Full-page cache of published pages (Redis, tenant-aware keys), on by default.
CONTENT_PAGE_CACHE = env_bool("CONTENT_PAGE_CACHE", True)
CONTENT_PAGE_CACHE_TIMEOUT = env_int("CONTENT_PAGE_CACHE_TIMEOUT", 24 * 3600)
# Cached pages each web process also keeps in memory, checked against the tenant's
# generation in Redis on every request (content.cache). 0 keeps none.
CONTENT_PAGE_LOCAL_ENTRIES = env_int("CONTENT_PAGE_LOCAL_ENTRIES", 1000)
# Replay a cache hit's whole answer in front of Django's handler (content.replay).
CONTENT_PAGE_REPLAY = env_bool("CONTENT_PAGE_REPLAY", True)

# sitemap.xml uses django.contrib.sitemaps' view and template (RequestSite: no sites app).
TENANT_APPS.append("django.contrib.sitemaps")
INSTALLED_APPS.append("django.contrib.sitemaps")

# Route /_bench/hello, the hello-world baseline of bench/pages.py. Off by default.
CONTENT_BENCH_HELLO = env_bool("CONTENT_BENCH_HELLO", False)

# Page writes whose cache drop or signal failed (Redis down) are done again by a sweep.
# A change younger than the grace may still be on its way through its own on_commit.
CONTENT_CHANGES_GRACE_SECONDS = env_int("CONTENT_CHANGES_GRACE_SECONDS", 30)
CELERY_BEAT_SCHEDULE["content-changes-sweep"] = {
    "task": "content.tasks.page_changes_sweep",
    "schedule": float(env_int("CONTENT_CHANGES_SWEEP_EVERY_SECONDS", 60)),
}
