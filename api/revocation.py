"""Revoked access tokens: a Redis deny-list that JWTAuth reads with no SQL.

An access token is self-contained, so "log out" and "deactivate" must be remembered until
the tokens they stop expire on their own (JWT_ACCESS_MINUTES); then the entry expires too.
Two kinds of entries, through the cache's key function (so per tenant):

- `jwt:deny:jti:<jti>`: one access token (the one sent with POST /api/auth/logout);
- `jwt:deny:sid:<sid>`: a login session. Every token of a session carries its `sid`
  claim (the jti of the refresh token issued at log-in, kept through every rotation), so
  denying it stops every access token minted in that session. Logout denies the session
  of the refresh token sent; deactivating a user, changing their password or deleting
  them denies every session of theirs (read from simplejwt's outstanding tokens: SQL
  there, never on a request's hot path).

`token_deny_keys(token)` lists the keys to read, so a caller that pipelines its Redis
reads (a throttle's INCR, a cached user state) reads these in the same round trip, and
`token_denied(token, values)` decides from what it read; `token_revoked(token)` does both
with one MGET. With Redis down nothing is known to be revoked: the check fails open (the
user row is still checked in the database: active, same password).
"""

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from redis import RedisError
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from config.outage import outage_log

SESSION_CLAIM = "sid"


def _jti_key(jti: str) -> str:
    return f"jwt:deny:jti:{jti}"


def _sid_key(sid: str) -> str:
    return f"jwt:deny:sid:{sid}"


def token_deny_keys(token) -> list[str]:
    """The deny-list keys that would revoke `token` (an AccessToken): its own, its session's."""
    keys = [_jti_key(token[jwt_settings.JTI_CLAIM])]
    if sid := token.get(SESSION_CLAIM):
        keys.append(_sid_key(sid))
    return keys


def token_denied(token, values) -> bool:
    """Whether `token` is revoked, from the values read at `token_deny_keys(token)`."""
    return any(value is not None for value in values)


def token_revoked(token) -> bool:
    keys = token_deny_keys(token)
    try:
        found = cache.get_many(keys)  # one MGET
    except RedisError as exc:
        outage_log("redis", "revoked tokens not checked (the user row still is)", exc)
        return False
    return token_denied(token, [found.get(key) for key in keys])


def _deny(keys: list[str]) -> None:
    # As long as any access token they stop can live (plus a little clock skew).
    timeout = int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()) + 30
    cache.set_many(dict.fromkeys(keys, 1), timeout)


def token_revoke(*, access=None, refresh=None) -> None:
    """Deny one access token and/or the whole session of a refresh token (logout)."""
    keys = []
    if access is not None:
        keys.append(_jti_key(access[jwt_settings.JTI_CLAIM]))
    if refresh is not None:
        keys.append(_sid_key(refresh.get(SESSION_CLAIM) or refresh[jwt_settings.JTI_CLAIM]))
    if keys:
        _deny(keys)


def user_sessions(*, user_id) -> set[str]:
    """The sessions of a user that may still hold a live access token: those of their
    refresh tokens that have not expired (read back from simplejwt's outstanding tokens)."""
    sessions = set()
    raw_tokens = OutstandingToken.objects.filter(user_id=user_id, expires_at__gt=timezone.now()).values_list(
        "token", flat=True
    )
    for raw in raw_tokens:
        try:
            refresh = RefreshToken(raw, verify=False)  # ours, from our table: only read
        except TokenError:
            continue
        sessions.add(refresh.get(SESSION_CLAIM) or refresh[jwt_settings.JTI_CLAIM])
    return sessions


def user_sessions_revoke(*, sessions) -> None:
    """Deny every access token of these sessions (the user was deactivated, deleted, or
    their password changed)."""
    if sessions:
        _deny([_sid_key(sid) for sid in sessions])
