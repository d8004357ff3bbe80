"""Cookie and transport security. With DEBUG off, `check --deploy` is clean.

`HTTPS=0` is for the local demo over plain http (bin/run sets it); deployments keep
the default (on whenever DEBUG is off, outside the tests).
"""

from config.settings.base import DEBUG, TESTING
from config.settings.env import env_bool, env_int

# Tests talk plain http to the test client, like the local demo.
HTTPS = env_bool("HTTPS", not DEBUG and not TESTING)

# Host-only cookies (no Domain attribute): a session on acme.example.com is never sent
# to globex.example.com. Never set SESSION_COOKIE_DOMAIN / CSRF_COOKIE_DOMAIN.
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The health endpoints are probed over plain http inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
