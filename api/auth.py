"""Who is calling: a JWT bound to this tenant, or a partner's API key with scopes.

simplejwt alone accepts a token on every tenant (one SECRET_KEY signs them all), so every
token carries the schema it was issued in (`tenant` claim) and `JWTAuth` refuses it on any
other host. The user is loaded from the current tenant's users table and becomes
`request.user`, so a session cookie that came along never elevates an API call.
"""

import hashlib
import hmac
import re
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import APIKeyHeader, HttpBearer
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import AccessToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from api.errors import ApiPermissionDenied
from api.models import ApiKey
from api.revocation import token_revoked

TENANT_CLAIM = "tenant"
API_KEY_SCHEME = "Api-Key"
# last_used_at is written at most this often per key: a write per request would double the
# cost of a read-only call.
LAST_USED_RESOLUTION = timedelta(minutes=1)

TOKEN_INVALID = "The access token is invalid or expired."  # noqa: S105 (a message, not a secret)
TOKEN_WRONG_TENANT = "The access token was issued for another site."  # noqa: S105
TOKEN_PASSWORD_CHANGED = "The password changed since this token was issued: log in again."  # noqa: S105
TOKEN_USER_UNKNOWN = "The access token's user does not exist or is inactive."  # noqa: S105
TOKEN_REVOKED = "The access token was revoked (logged out, or the user was deactivated): log in again."  # noqa: S105
KEY_INVALID = "The API key is invalid, expired or revoked."
_API_KEY_SHAPE = re.compile(r"^(?P<prefix>[A-Za-z0-9]{1,32})\.(?P<secret>[A-Za-z0-9_-]{1,128})$")
KEY_SCOPE_MISSING = "The API key lacks the scope {scope!r}."


def current_schema(request: HttpRequest) -> str:
    tenant = getattr(request, "tenant", None)
    return tenant.schema_name if tenant is not None else connection.schema_name


class JWTAuth(HttpBearer):
    """`Authorization: Bearer <access token>` issued on this tenant's host."""

    def authenticate(self, request: HttpRequest, token: str):
        try:
            access = AccessToken(token)
        except TokenError as exc:
            raise AuthenticationError(message=TOKEN_INVALID) from exc
        if access.get(TENANT_CLAIM) != current_schema(request):
            raise AuthenticationError(message=TOKEN_WRONG_TENANT)
        if token_revoked(access):  # logged out, user deactivated: Redis, no SQL
            raise AuthenticationError(message=TOKEN_REVOKED)
        user = (
            get_user_model()
            .objects.filter(**{jwt_settings.USER_ID_FIELD: access.get(jwt_settings.USER_ID_CLAIM), "is_active": True})
            .first()
        )
        if user is None:
            raise AuthenticationError(message=TOKEN_USER_UNKNOWN)
        if not token_password_current(access, user):
            raise AuthenticationError(message=TOKEN_PASSWORD_CHANGED)
        request.user = user
        return user


def token_password_current(token, user) -> bool:
    """False once the user's password changed after `token` was issued (simplejwt's
    CHECK_REVOKE_TOKEN claim, which its DRF authentication class would check for us)."""
    if not jwt_settings.CHECK_REVOKE_TOKEN:
        return True
    return token.get(jwt_settings.REVOKE_TOKEN_CLAIM) == get_md5_hash_password(user.password)


def api_key_split(raw: str) -> tuple[str, str] | None:
    """(prefix, secret) of a key shaped as issued (letters and digits, a dot, url-safe
    characters), else None: a made-up key never reaches the database (NUL in a header
    would be a query error, not a 401)."""
    match = _API_KEY_SHAPE.match(raw)
    return (match["prefix"], match["secret"]) if match else None


def api_key_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKeyAuth(APIKeyHeader):
    """`Authorization: Api-Key <prefix>.<secret>` of a live key holding `scope`.

    An unknown, expired or revoked key is a 401; a good key without the scope is a 403.
    """

    param_name = "Authorization"
    openapi_description = "Send `Authorization: Api-Key <key>`; each operation needs one scope of the key."

    def __init__(self, scope: str | None) -> None:
        """`scope=None` accepts a live key with any scope (e.g. for GET /api/me)."""
        if scope is not None and scope not in ApiKey.Scope.values:
            raise ValueError(f"Unknown API key scope {scope!r}: use one of {ApiKey.Scope.values}.")
        self.scope = scope
        super().__init__()

    def _get_key(self, request: HttpRequest) -> str | None:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != API_KEY_SCHEME.lower():
            return None
        return key.strip()

    def authenticate(self, request: HttpRequest, key: str | None):
        if key is None:
            return None  # not an API key call: let the next auth method try
        parts = api_key_split(key)
        api_key = ApiKey.objects.filter(prefix=parts[0]).first() if parts else None
        now = timezone.now()
        if (
            api_key is None
            or not hmac.compare_digest(api_key.hashed_secret, api_key_digest(parts[1]))
            or api_key.revoked_at is not None
            or (api_key.expires_at is not None and api_key.expires_at <= now)
        ):
            raise AuthenticationError(message=KEY_INVALID)
        if self.scope is not None and self.scope not in api_key.scopes:
            raise ApiPermissionDenied(KEY_SCOPE_MISSING.format(scope=self.scope))
        if api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
            api_key.last_used_at = now
        request.user = AnonymousUser()  # a key acts for no user, whatever cookie came along
        return api_key
