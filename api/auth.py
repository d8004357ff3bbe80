"""Who is calling: a JWT bound to this tenant, or a partner's API key with scopes.

simplejwt alone accepts a token on every tenant (one SECRET_KEY signs them all), so every
token carries the schema it was issued in (`tenant` claim) and `JWTAuth` refuses it on any
other host. The user is loaded from the current tenant's users table and becomes
`request.user`, so a session cookie that came along never elevates an API call.
"""

import functools
import hashlib
import hmac
import re
from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import APIKeyHeader, HttpBearer
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import AccessToken
from rest_framework_simplejwt.utils import aware_utcnow, get_md5_hash_password

from api.credentials import (
    api_key_from_state,
    api_key_state_key,
    api_key_state_load,
    caller_read,
    user_from_state,
    user_state_key,
    user_state_load,
)
from api.errors import ApiPermissionDenied
from api.models import ApiKey
from api.revocation import token_denied, token_deny_keys
from api.throttles import KeyThrottle, UserThrottle

TENANT_CLAIM = "tenant"
API_KEY_SCHEME = "Api-Key"
# last_used_at is written at most this often per key (a Redis marker decides, across
# processes): a write per request would double the cost of a read-only call.
LAST_USED_RESOLUTION = timedelta(minutes=1)

TOKEN_INVALID = "The access token is invalid or expired."  # noqa: S105 (a message, not a secret)
TOKEN_WRONG_TENANT = "The access token was issued for another site."  # noqa: S105
TOKEN_PASSWORD_CHANGED = "The password changed since this token was issued: log in again."  # noqa: S105
TOKEN_USER_UNKNOWN = "The access token's user does not exist or is inactive."  # noqa: S105
TOKEN_REVOKED = "The access token was revoked (logged out, or the user was deactivated): log in again."  # noqa: S105
KEY_INVALID = "The API key is invalid, expired or revoked."
_API_KEY_SHAPE = re.compile(r"^(?P<prefix>[A-Za-z0-9]{1,32})\.(?P<secret>[A-Za-z0-9_-]{1,128})$")
KEY_SCOPE_MISSING = "The API key lacks the scope {scope!r}."


def token_tenant_current(token) -> bool:
    """Whether `token` (access or refresh) was issued on the current tenant: its tenant
    claim is the schema this connection is in (TenantMainMiddleware set it from the
    host). Every check of the claim is this one."""
    return token.get(TENANT_CLAIM) == connection.schema_name


@functools.lru_cache(maxsize=4096)
def _access_token(raw: str) -> AccessToken:
    """A verified access token (signature, expiry, type), kept per process by its exact text:
    a client sends the same token for minutes, and PyJWT's checks cost ~0.1-0.2 ms a call.
    The same bytes verify the same way with the same key; the expiry is checked again on
    every use. A token that fails is not kept (lru_cache keeps no exceptions)."""
    return AccessToken(raw)


class JWTAuth(HttpBearer):
    """`Authorization: Bearer <access token>` issued on this tenant's host.

    No SQL on a warm path and one Redis round trip (api.credentials): the user's cached
    state, the token deny-list (api.revocation) and the user's rate-limit counter
    (api.throttles) in one pipeline. `prefetch(request)` may name more cache keys to read
    in it (the operation's cached response); their values are in `request.api_prefetched`.
    """

    def __init__(self, *, prefetch=None) -> None:
        self.prefetch = prefetch
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str):
        try:
            access = _access_token(token)
            # Against the time now: the token may have been verified (and cached) while it was
            # live, and simplejwt's default is the time the token object was made.
            access.check_exp(current_time=aware_utcnow())
        except TokenError as exc:
            raise AuthenticationError(message=TOKEN_INVALID) from exc
        if not token_tenant_current(access):
            raise AuthenticationError(message=TOKEN_WRONG_TENANT)
        user_id = access.get(jwt_settings.USER_ID_CLAIM)
        deny_keys = token_deny_keys(access)
        prefetch_keys = self.prefetch(request) if self.prefetch else []
        counter = UserThrottle().counter(str(user_id))
        read = caller_read(state_key=user_state_key(user_id), keys=[*deny_keys, *prefetch_keys], counters=[counter])
        if read.redis_up and token_denied(access, [read.values.get(key) for key in deny_keys]):
            raise AuthenticationError(message=TOKEN_REVOKED)
        state = read.state if read.hit else None
        if not read.hit:
            state = user_state_load(user_id)
            read.state_store(state)
        if state is None:
            raise AuthenticationError(message=TOKEN_USER_UNKNOWN)
        if not token_password_current(access, password_digest=state["password_digest"]):
            raise AuthenticationError(message=TOKEN_PASSWORD_CHANGED)
        _prefetched_keep(request, read, prefetch_keys, counts={counter[0]: read.counts[0]} if read.counts else {})
        user = user_from_state(state)
        request.user = user
        return user


def _prefetched_keep(request: HttpRequest, read, prefetch_keys, *, counts: dict) -> None:
    """What the round trip read for the operation (`request.api_prefetched`) and counted for
    the throttles (`request.api_counts`; None: Redis is down, they fail open at once)."""
    request.api_prefetched = {key: read.values.get(key) for key in prefetch_keys} if read.redis_up else {}
    request.api_counts = counts if read.redis_up else None


def token_password_current(token, user=None, *, password_digest: str | None = None) -> bool:
    """False once the user's password changed after `token` was issued (simplejwt's
    CHECK_REVOKE_TOKEN claim, which its DRF authentication class would check for us).
    Give the user, or the digest of its password hash (api.credentials caches it)."""
    if not jwt_settings.CHECK_REVOKE_TOKEN:
        return True
    if password_digest is None:
        password_digest = get_md5_hash_password(user.password)
    return token.get(jwt_settings.REVOKE_TOKEN_CLAIM) == password_digest


def api_key_split(raw: str) -> tuple[str, str] | None:
    """(prefix, secret) of a key shaped as issued (letters and digits, a dot, url-safe
    characters), else None: a made-up key never reaches the database (NUL in a header
    would be a query error, not a 401)."""
    match = _API_KEY_SHAPE.match(raw)
    return (match["prefix"], match["secret"]) if match else None


def api_key_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_used_marker(prefix: str) -> tuple[str, int]:
    """The once-a-minute marker of a key's use: `(key, ttl)` for caller_read."""
    return f"api:key:used:{prefix}", int(LAST_USED_RESOLUTION.total_seconds())


def api_key_read(prefix: str, keys, *, counter: tuple[str, int], schema: str | None = None, environ=None):
    """The one Redis round trip of a call by the key `prefix` (api.credentials.caller_read):
    its cached state, `keys` (the operation's prefetched response), its rate-limit
    `counter` (KeyThrottle.counter) counted and its last-used marker set. ApiKeyAuth makes
    it, and api.replay makes the same one in front of Django (with `schema`)."""
    return caller_read(
        state_key=api_key_state_key(prefix),
        keys=keys,
        counters=[counter],
        markers=[api_key_used_marker(prefix)],
        schema=schema,
        environ=environ,
    )


def api_key_expired(state: dict, now) -> bool:
    return state["expires_at"] is not None and state["expires_at"] <= now


class ApiKeyAuth(APIKeyHeader):
    """`Authorization: Api-Key <prefix>.<secret>` of a live key holding `scope`.

    An unknown, expired or revoked key is a 401; a good key without the scope is a 403.
    """

    param_name = "Authorization"
    openapi_description = "Send `Authorization: Api-Key <key>`; each operation needs one scope of the key."

    def __init__(self, scope: str | None, *, prefetch=None) -> None:
        """`scope=None` accepts a live key with any scope (e.g. for GET /api/me);
        `prefetch(request)`: cache keys to read in the key's round trip (see JWTAuth)."""
        if scope is not None and scope not in ApiKey.Scope.values:
            raise ValueError(f"Unknown API key scope {scope!r}: use one of {ApiKey.Scope.values}.")
        self.scope = scope
        self.prefetch = prefetch
        super().__init__()

    def _get_key(self, request: HttpRequest) -> str | None:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != API_KEY_SCHEME.lower():
            return None
        return key.strip()

    def authenticate(self, request: HttpRequest, key: str | None):
        """No SQL on a warm path, one Redis round trip (api.credentials): the key's cached
        state, its rate-limit counter, and the once-a-minute `last_used_at` marker."""
        if key is None:
            return None  # not an API key call: let the next auth method try
        parts = api_key_split(key)
        if parts is None:
            raise AuthenticationError(message=KEY_INVALID)
        prefix, secret = parts
        prefetch_keys = self.prefetch(request) if self.prefetch else []
        counter = KeyThrottle().counter(prefix)
        # A read content.replay made for this request already is used, not made again.
        read = api_key_read(prefix, prefetch_keys, counter=counter, environ=request.META)
        state = read.state if read.hit else None
        if not read.hit:
            state = api_key_state_load(prefix)
            read.state_store(state)
        now = timezone.now()
        if (
            state is None
            or not hmac.compare_digest(state["hashed_secret"], api_key_digest(secret))
            or state["revoked_at"] is not None
            or api_key_expired(state, now)
        ):
            raise AuthenticationError(message=KEY_INVALID)
        if self.scope is not None and self.scope not in state["scopes"]:
            raise ApiPermissionDenied(KEY_SCOPE_MISSING.format(scope=self.scope))
        # The first request of a minute (per key, across processes) records the use; with
        # Redis down (no marker), every request does, as it did before the cache.
        if not read.redis_up or read.marked[0]:
            ApiKey.objects.filter(pk=state["id"]).update(last_used_at=now)
        _prefetched_keep(request, read, prefetch_keys, counts={counter[0]: read.counts[0]} if read.counts else {})
        # The cached state this call was let in by (api.replay keeps the answer with it).
        request.api_key_cached = (prefix, state) if read.hit else None
        request.user = AnonymousUser()  # a key acts for no user, whatever cookie came along
        return api_key_from_state(state)
