"""Writes of the api app: API keys and JWT pairs bound to the current tenant."""

import secrets
from datetime import UTC, datetime

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from ninja.errors import AuthenticationError
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, UntypedToken

from api.auth import TENANT_CLAIM, api_key_digest, token_password_current, token_tenant_current
from api.credentials import token_user_get
from api.models import ApiKey
from api.revocation import SESSION_CLAIM, token_revoke, token_revoked
from logins.limits import LoginLocked

NAME_EMPTY = "Give the key a name."
NAME_TOO_LONG = "At most 100 characters."
SCOPES_EMPTY = "Give the key at least one scope."
SCOPE_UNKNOWN = "Unknown scope {scope!r}: use one of {choices}."
EXPIRY_IN_PAST = "The expiry date is in the past."
CREDENTIALS_INVALID = "No active account with these credentials on this site."
REFRESH_INVALID = "The refresh token is invalid, expired, revoked or issued for another site."
TOKEN_INVALID = "The token is invalid, expired or issued for another site."  # noqa: S105 (a message, not a secret)

PREFIX_BYTES = 6  # 8 url-safe characters: enough to be unique per tenant, short to display
SECRET_BYTES = 32


def api_key_validate(*, name: str, scopes: list[str], expires_at: datetime | None = None) -> None:
    """Raise a ValidationError keyed by field (the admin form shows it, the API maps it to 422)."""
    errors = {}
    if not name.strip():
        errors["name"] = NAME_EMPTY
    elif len(name.strip()) > 100:
        errors["name"] = NAME_TOO_LONG
    if not scopes:
        errors["scopes"] = SCOPES_EMPTY
    for scope in scopes:
        if scope not in ApiKey.Scope.values:
            errors["scopes"] = SCOPE_UNKNOWN.format(scope=scope, choices=", ".join(ApiKey.Scope.values))
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = EXPIRY_IN_PAST
    if errors:
        raise ValidationError(errors)


def api_key_create(
    *, name: str, scopes: list[str], created_by=None, expires_at: datetime | None = None
) -> tuple[ApiKey, str]:
    """Create a key and return it with its plain text, which is never stored nor shown again."""
    scopes = list(dict.fromkeys(scopes))
    if expires_at is not None:
        # Stored in UTC: ISO 8601 allows offsets up to ±23:59, PostgreSQL only up to ±15:59
        # (a -22:29 expiry was a DataError, a 500). A naive time is taken as UTC.
        expires_at = expires_at.astimezone(UTC) if timezone.is_aware(expires_at) else expires_at.replace(tzinfo=UTC)
    api_key_validate(name=name, scopes=scopes, expires_at=expires_at)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    with transaction.atomic():
        while True:
            prefix = secrets.token_urlsafe(PREFIX_BYTES).replace("-", "x").replace("_", "y").replace(".", "z")
            if not ApiKey.objects.filter(prefix=prefix).exists():
                break
        key = ApiKey.objects.create(
            name=name.strip(),
            prefix=prefix,
            hashed_secret=api_key_digest(secret),
            scopes=scopes,
            expires_at=expires_at,
            created_by=created_by,
        )
    return key, f"{prefix}.{secret}"


def api_key_revoke(*, key: ApiKey) -> ApiKey:
    """Revoke for good; the row stays so the admin still shows who had access until when."""
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def _tenant_token(user, *, session: str | None = None) -> RefreshToken:
    """A refresh token of the current tenant; `session` (the `sid` claim, copied into the
    access tokens it mints) is the log-in's: a new one at log-in, kept through rotations,
    so logging out can revoke every access token of the session (api.revocation)."""
    refresh = RefreshToken.for_user(user)
    refresh[TENANT_CLAIM] = connection.schema_name
    refresh[SESSION_CLAIM] = session or refresh[jwt_settings.JTI_CLAIM]
    return refresh


def _pair(refresh: RefreshToken) -> dict:
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def token_obtain(*, username: str, password: str, request=None) -> dict:
    """An access + refresh pair for a user of the current tenant (both carry its schema).
    Raises LoginLocked (a 429) while this client is locked out for too many failures."""
    user = authenticate(request, username=username, password=password)
    if user is None and getattr(request, "login_locked_for", None):
        raise LoginLocked(request.login_locked_for)
    if user is None or not user.is_active:
        raise AuthenticationError(message=CREDENTIALS_INVALID)
    with transaction.atomic():
        return _pair(_tenant_token(user))


def _refresh_load(raw: str) -> RefreshToken:
    try:
        refresh = RefreshToken(raw)
    except TokenError as exc:
        raise AuthenticationError(message=REFRESH_INVALID) from exc
    if not token_tenant_current(refresh):
        raise AuthenticationError(message=REFRESH_INVALID)
    return refresh


def token_refresh(*, refresh: str) -> dict:
    """Rotate: a new pair for the same user, and the old refresh token blacklisted.

    The outstanding row is locked so two concurrent refreshes of one token cannot both win.
    """
    with transaction.atomic():
        old = _refresh_load(refresh)
        OutstandingToken.objects.select_for_update().filter(jti=old[jwt_settings.JTI_CLAIM]).first()
        if BlacklistedToken.objects.filter(token__jti=old[jwt_settings.JTI_CLAIM]).exists():
            raise AuthenticationError(message=REFRESH_INVALID)
        user = token_user_get(old.get(jwt_settings.USER_ID_CLAIM))
        if user is None or not token_password_current(old, user):
            raise AuthenticationError(message=REFRESH_INVALID)
        old.blacklist()
        return _pair(_tenant_token(user, session=old.get(SESSION_CLAIM)))


def token_verify(*, token: str) -> None:
    """Raises unless `token` (access or refresh) is valid on this tenant and neither
    blacklisted (refresh) nor revoked (access: logged out, user deactivated)."""
    try:
        untyped = UntypedToken(token)
        if untyped.get(jwt_settings.TOKEN_TYPE_CLAIM) == "refresh":
            RefreshToken(token)  # checks the blacklist too
    except TokenError as exc:
        raise AuthenticationError(message=TOKEN_INVALID) from exc
    if not token_tenant_current(untyped):
        raise AuthenticationError(message=TOKEN_INVALID)
    if untyped.get(jwt_settings.TOKEN_TYPE_CLAIM) == "access" and token_revoked(untyped):
        raise AuthenticationError(message=TOKEN_INVALID)


def token_logout(*, refresh: str, access: str | None = None) -> None:
    """End the session: blacklist the refresh token and deny, in Redis, every access token
    of its session (and `access`, the caller's own, when it is one of this tenant's).
    Both or neither: a deny-list that cannot be written (Redis down) undoes the blacklist
    and the client is told to retry (503)."""
    with transaction.atomic():
        old = _refresh_load(refresh)
        old.blacklist()
        token_revoke(access=_access_of_this_tenant(access), refresh=old)


def _access_of_this_tenant(raw: str | None) -> AccessToken | None:
    if not raw:
        return None
    try:
        access = AccessToken(raw)
    except TokenError:
        return None  # expired or not ours: nothing left to revoke
    return access if token_tenant_current(access) else None
