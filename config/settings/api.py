"""Settings of the api app: JWT lifetimes, request size and rate limits.

The token blacklist of simplejwt is a tenant app (base.TENANT_APPS): each tenant's refresh
tokens and their blacklist live in its own schema. The platform API on the public host issues
tokens too, so the blacklist tables must also exist in the public schema: that is why the app
is appended to SHARED_APPS here (INSTALLED_APPS already lists it).
"""

from datetime import timedelta

from config.settings.base import MIDDLEWARE, SECRET_KEY, SHARED_APPS
from config.settings.env import env_int, env_str

SHARED_APPS = [*SHARED_APPS, "rest_framework_simplejwt.token_blacklist"]

# API calls skip the session, CSRF, auth and messages middleware (api/middleware.py says why).
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"), "api.middleware.ApiMiddleware"
)

JWT_ACCESS_MINUTES = env_int("JWT_ACCESS_MINUTES", 5)
JWT_REFRESH_DAYS = env_int("JWT_REFRESH_DAYS", 1)

# simplejwt's token classes only (no DRF views); api.auth adds and checks the tenant claim.
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=JWT_ACCESS_MINUTES),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=JWT_REFRESH_DAYS),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": SECRET_KEY,
    "UPDATE_LAST_LOGIN": False,
    # Tokens carry a digest of the user's password hash: changing the password ends every
    # API session of that user (checked by api.auth.JWTAuth and on refresh).
    "CHECK_REVOKE_TOKEN": True,
}

# Bodies larger than this get a 413 before they are parsed.
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 1024 * 1024)

# Rate limits, "<count>/<period>" with period s, m, h or d; counted per tenant in Redis.
API_RATE_LIMIT_ANON = env_str("API_RATE_LIMIT_ANON", "60/m")  # per client IP, unauthenticated calls
API_RATE_LIMIT_USER = env_str("API_RATE_LIMIT_USER", "600/m")  # per user (JWT)
API_RATE_LIMIT_KEY = env_str("API_RATE_LIMIT_KEY", "1200/m")  # per API key
