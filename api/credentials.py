"""What the API knows about a caller without SQL: the state of a token's user and of an
API key, cached per tenant, read in the same Redis round trip as the token deny-list and
the rate-limit counter.

An authenticated read used to cost a user SELECT (JWT) or a key SELECT (API key) before
its own query. Here the state each check needs is kept in the tenant-aware cache:

- a user: the model's fields except the password hash (loaded as a deferred field if code
  asks for it), a digest of the hash (the same one the token carries, simplejwt's
  `get_md5_hash_password`), and the user's permissions (none for a superuser: Django
  grants everything) so `has_perm()` needs no query either; an unknown or inactive user
  is cached as such;
- a key: what `ApiKeyAuth` checks (digest of the secret, scopes, expiry, revocation) and
  what the routers show (name); an unknown prefix is cached as such.

Exact invalidation with a generation counter per entry (`…:gen`): whatever changes the
user (saved, deleted, groups or permissions changed, a group's permissions changed) or
the key (saved, revoked, deleted) INCRs it after its commit (api.receivers). An entry is
valid only if it was built from the generation read before its database read: a reader
that loaded the old row while the change committed stores it under the old generation,
and it is never used. Entries live no longer than an access token (`ACCESS_TOKEN_LIFETIME`),
so even a change whose INCR was lost (Redis down at that moment) is gone within the time
the token it would let through lives anyway; revocation stays exact through the deny-list
(api.revocation) and refresh always reads the database.

Redis down: the state is read from the database (as before), the deny-list and the rate
limits fail open (api.revocation, api.throttles say why).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from redis import RedisError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

from analytics.counting import tenant_key
from api.models import ApiKey
from config.cache import cache_round_trip, redis_pipeline
from config.outage import outage_log

# The generation counters outlive any entry built from them by this margin (seconds).
_GENERATION_MARGIN = 3600
# The user fields never cached: the hash itself stays in the database.
_USER_UNCACHED = {"password"}
# The key fields cached (the rest, e.g. last_used_at, are loaded if code asks for them).
_KEY_FIELDS = ("id", "name", "prefix", "hashed_secret", "scopes", "expires_at", "revoked_at", "created_at")


def state_timeout() -> int:
    return int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds())


def user_state_key(user_id) -> str:
    return f"api:user:{user_id}"


def api_key_state_key(prefix: str) -> str:
    return f"api:key:{prefix}"


def _generation_key(state_key: str) -> str:
    return f"{state_key}:gen"


class CallerRead:
    """The outcome of one authentication round trip: the cached state (if valid), the
    generation it must be stored under, the other keys read and the counts made."""

    def __init__(self, *, state_key: str, values: dict | None, counts: list[int], marked: list[bool]) -> None:
        self.state_key = state_key
        self.redis_up = values is not None
        values = values or {}
        self.values = values
        self.generation = values.get(_generation_key(state_key))
        entry = values.get(state_key)
        self.hit = isinstance(entry, dict) and entry.get("gen") == self.generation
        self.state = entry.get("state") if self.hit else None
        self.counts = counts
        self.marked = marked

    def state_store(self, state) -> None:
        """Keep `state` (built from the database after this read) under the generation
        read before it; a change that committed meanwhile has moved the generation on."""
        if not self.redis_up:
            return
        try:
            cache.set(self.state_key, {"gen": self.generation, "state": state}, state_timeout())
        except RedisError as exc:
            outage_log("redis", "API caller state not cached", exc)


# Where content.replay leaves the read it made for a request it then gave to Django.
CALLER_READ_ENVIRON = "api.caller_read"


def caller_read(
    *, state_key: str, keys=(), counters=(), markers=(), schema: str | None = None, environ=None
) -> CallerRead:
    """One Redis round trip: the caller's cached state and its generation, `keys` (the
    token deny-list, a prefetched response), INCR of `counters` (rate limits) and SET NX of
    `markers`. With Redis down: a miss, nothing counted (the callers fail open).

    `schema`: the keys are made as in that tenant without activating it (content.replay
    answers before any tenant is); the read is then left in `environ` for Django, in case
    the replay gives the request to Django after all. `environ` without `schema` (Django's
    side): a read left there for this very state, keys and markers, in this tenant, is the
    answer, with no second round trip: the request is counted and marked once. (Its
    counters are the same caller's, counted when the request arrived.)"""
    signature = (schema or connection.schema_name, state_key, tuple(keys), tuple(name for name, _ in markers))
    if environ is not None and schema is None:
        left = environ.pop(CALLER_READ_ENVIRON, None)
        if left is not None and left[0] == signature:
            return left[1]
    make = (tenant_key(schema, "").__add__) if schema is not None else None
    try:
        values, counts, marked = cache_round_trip(
            [state_key, _generation_key(state_key), *keys], counters=counters, markers=markers, make=make
        )
    except RedisError as exc:
        outage_log("redis", "API callers checked in the database (no cache, no rate limit, no deny-list)", exc)
        return CallerRead(state_key=state_key, values=None, counts=[], marked=[])
    read = CallerRead(state_key=state_key, values=values, counts=counts, marked=marked)
    if environ is not None and schema is not None:
        environ[CALLER_READ_ENVIRON] = (signature, read)
    return read


def state_drop(state_keys) -> None:
    """Move the generation of each entry on: the cached state is never used again. Called
    after the change committed (api.receivers). Raises RedisError."""
    state_keys = list(state_keys)
    if not state_keys:
        return
    pipe, full_keys = redis_pipeline(*(_generation_key(key) for key in state_keys))
    for full_key in full_keys:
        pipe.incr(full_key)
        pipe.expire(full_key, state_timeout() + _GENERATION_MARGIN)
    pipe.execute()


# --- users ---


def token_user_get(user_id):
    """The active user a token's user claim names, or None: every token check (an access
    token on each call, a refresh token when it is rotated) loads its user with this."""
    return get_user_model().objects.filter(**{jwt_settings.USER_ID_FIELD: user_id, "is_active": True}).first()


def user_state_load(user_id) -> dict | None:
    """The state of an active user from the database (one query, two more for the
    permissions of a user who is not a superuser), or None."""
    user_model = get_user_model()
    user = token_user_get(user_id)
    if user is None:
        return None
    fields = {
        field.attname: getattr(user, field.attname)
        for field in user_model._meta.concrete_fields
        if field.attname not in _USER_UNCACHED
    }
    perms = None if user.is_superuser else sorted(user.get_all_permissions())
    return {"fields": fields, "password_digest": get_md5_hash_password(user.password), "perms": perms}


def user_from_state(state: dict):
    """A User instance as if loaded from the database without its password hash (a deferred
    field: read on access; `save()` writes only the loaded fields), with its permissions
    already known to Django's ModelBackend (`_perm_cache`)."""
    user_model = get_user_model()
    names = [field.attname for field in user_model._meta.concrete_fields if field.attname in state["fields"]]
    user = user_model.from_db("default", names, [state["fields"][name] for name in names])
    if state["perms"] is not None:
        user._perm_cache = set(state["perms"])
    return user


# --- API keys ---


def api_key_state_load(prefix: str) -> dict | None:
    values = ApiKey.objects.filter(prefix=prefix).values(*_KEY_FIELDS).first()
    return dict(values) if values is not None else None


def api_key_from_state(state: dict) -> ApiKey:
    """An ApiKey as if loaded from the database with only the cached fields (the others,
    e.g. `last_used_at`, are deferred: read on access)."""
    names = [field.attname for field in ApiKey._meta.concrete_fields if field.attname in state]
    return ApiKey.from_db("default", names, [state[name] for name in names])
