"""Questions per client per window (ANSWERS_RATE_LIMIT), on top of the API's own limits: an
answer can cost a model call. The client is the user of a JWT, the prefix of an API key, or
the visitor's IP for the site's Ask box; counts are per tenant (the cache key function
prefixes the schema)."""

from django.http import HttpRequest

from api.models import ApiKey
from api.throttles import FixedWindowThrottle


class AnswerThrottle(FixedWindowThrottle):
    scope = "answers"
    rate_setting = "ANSWERS_RATE_LIMIT"

    def ident(self, request: HttpRequest) -> str:
        auth = getattr(request, "auth", None)
        if isinstance(auth, ApiKey):
            return f"key:{auth.prefix}"
        if auth is not None and getattr(auth, "pk", None) is not None:
            return f"user:{auth.pk}"
        return f"ip:{self.get_ident(request) or 'unknown'}"
