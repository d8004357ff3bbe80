"""The published page read by API key, replayed in front of Django (content.replay).

`GET /api/published/pages/<slug>` with `Authorization: Api-Key …` answered from the
page's cached JSON is already no SQL and one Redis round trip (api.auth.ApiKeyAuth); what
is left is Django and ninja around it. Such an answer is kept by content.replay's layer for
the same request (method, path, host, forwarded headers, scheme and the exact
Authorization value: one key's answer is never another key's or a JWT's) and replayed
while ONE round trip, the very one ApiKeyAuth makes (api.auth.api_key_read), shows that
Django would give the same answer now:

- the key's cached state is still valid (its generation unchanged: a revocation, a scope
  change, a deletion, any save of the key moves it, api.receivers) and is the state the
  answer was given with, and the key has not expired since (checked against now);
- the page's cached JSON is still the body sent (a publish, an unpublish or any
  invalidation of the page drops it, content.cache);
- the key's rate-limit counter, counted in that round trip, is still within its limit;
- the round trip did not set the once-a-minute last-used marker.

Otherwise Django answers: the 401/403, the new JSON, the 429 with its Retry-After, or the
`last_used_at` write. It is handed the read the replay made (api.credentials.caller_read),
so the request is counted against the limit once and the marker is not lost. A replayed
call is counted for analytics as ApiMiddleware counts it. The 200 carries no header that
depends on the request's count (ninja sets Retry-After on 429s only), so Django's headers
are replayed as they were.
"""

from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone

from analytics.counting import api_call_counted
from api.auth import api_key_expired, api_key_read
from api.models import ApiKey
from api.throttles import KeyThrottle
from content.replay import Answer, replay_mark_as


class ApiKeyKeeper:
    @staticmethod
    def replay(answer: Answer, environ) -> bool:
        """Whether `answer` still stands for this request; counts the call if it does."""
        data = answer.data
        state, prefix, key = data["state"], data["prefix"], data["key"]
        if not settings.CONTENT_PAGE_CACHE or api_key_expired(state, timezone.now()):
            return False
        counter, limit = KeyThrottle().counter_limit(prefix)
        read = api_key_read(prefix, [key], counter=counter, schema=data["schema"], environ=environ)
        if not (
            read.redis_up
            and read.hit
            and read.state == state
            and read.values.get(key) == data["json"]
            and not read.marked[0]
            and read.counts[0] <= limit
        ):
            return False  # Django answers, with this read (api.credentials.CALLER_READ_ENVIRON)
        api_call_counted(key_prefix=prefix, schema=data["schema"])
        return True


def api_replay_mark(request: HttpRequest, *, key: str, body: bytes) -> None:
    """Called by the published page's read when it answered with the cached JSON at
    `key` (`body`) a call ApiKeyAuth let in by the key's cached state: the answer may be
    kept (content.replay keeps it only if it is a 200 without Set-Cookie or Vary)."""
    cached = getattr(request, "api_key_cached", None)
    if cached is None or not isinstance(getattr(request, "auth", None), ApiKey):
        return
    prefix, state = cached
    replay_mark_as(request, ApiKeyKeeper, schema=connection.schema_name, prefix=prefix, state=state, key=key, json=body)
