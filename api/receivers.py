"""Receivers that keep revoked users' tokens from working, whoever changed the user.

They also drop the cached state of users and API keys (api.credentials) when either
changes.

A user is deactivated, given a new password or deleted by Django's own code as often as
by ours (the auth admin, `manage.py changepassword`, `set_password` anywhere), so the
model's signals are the one place that sees every such change. Each denies the user's
sessions in Redis (api.revocation) after the change commits; the receivers only detect
and schedule.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django_tenants.utils import schema_context
from redis import RedisError

from api.credentials import api_key_state_key, state_drop, user_state_key
from api.revocation import user_sessions, user_sessions_revoke
from config.outage import outage_log

_WATCHED = {"is_active", "password"}


def _revoke_on_commit(sessions: set[str]) -> None:
    schema_name = connection.schema_name

    def revoke():
        with schema_context(schema_name):
            try:
                user_sessions_revoke(sessions=sessions)
            except RedisError as exc:  # the user row is still checked on every request
                outage_log("redis", "sessions of a changed user not denied", exc)

    transaction.on_commit(revoke)


def user_change_detect(sender, instance, update_fields=None, **kwargs) -> None:
    """pre_save: remember whether this save deactivates the user or changes the password."""
    instance._revoke_sessions = False
    if instance.pk is None or (update_fields is not None and not _WATCHED & set(update_fields)):
        return  # a new user, or e.g. the last_login update of every admin login
    before = sender.objects.filter(pk=instance.pk).values_list("is_active", "password").first()
    if before is not None:
        was_active, password = before
        instance._revoke_sessions = (was_active and not instance.is_active) or password != instance.password


def user_changed_revoke(sender, instance, created=False, **kwargs) -> None:
    """post_save: deny the sessions of a user just deactivated or given a new password."""
    if getattr(instance, "_revoke_sessions", False):
        instance._revoke_sessions = False
        _revoke_on_commit(user_sessions(user_id=instance.pk))


def user_deleted_revoke(sender, instance, **kwargs) -> None:
    """pre_delete: the outstanding tokens lose their user when it goes: read them now."""
    _revoke_on_commit(user_sessions(user_id=instance.pk))


# --- the cached state of users and keys (api.credentials) ---


def _state_drop_on_commit(state_keys) -> None:
    """Move the cached states' generations on now (this transaction's own next reads see
    the change) and again once the change commits (a reader in between may have cached
    the old row under the generation of the first move), in the schema of the change."""
    state_keys = list(state_keys)
    if not state_keys:
        return
    schema_name = connection.schema_name

    def drop():
        with schema_context(schema_name):
            try:
                state_drop(state_keys)
            except RedisError as exc:  # entries live no longer than an access token
                outage_log("redis", "cached API callers not dropped", exc)

    drop()
    transaction.on_commit(drop)


def user_state_changed(sender, instance, **kwargs) -> None:
    """post_save / post_delete of a user: any field may be cached (is_active, the password
    digest, is_superuser, the name /api/me shows)."""
    _state_drop_on_commit([user_state_key(instance.pk)])


def user_permissions_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """m2m_changed of a user's groups or permissions, or of a group's permissions, from
    either side: drop every user whose permissions may differ now (read before a clear)."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    user_model = get_user_model()
    if sender is Group.permissions.through:
        groups = [instance.pk] if not reverse else (pk_set or instance.group_set.values_list("pk", flat=True))
        users = user_model.objects.filter(groups__in=list(groups)).values_list("pk", flat=True)
    elif not reverse:
        users = [instance.pk]  # the user's groups or permissions
    else:  # a group's users, or a permission's users
        users = pk_set or instance.user_set.values_list("pk", flat=True)
    _state_drop_on_commit(user_state_key(pk) for pk in set(users))


def group_deleted(sender, instance, **kwargs) -> None:
    """pre_delete of a group: its users lose its permissions (read them while they exist)."""
    users = instance.user_set.values_list("pk", flat=True)
    _state_drop_on_commit(user_state_key(pk) for pk in list(users))


def api_key_changed(sender, instance, **kwargs) -> None:
    """post_save / post_delete of an API key (revoked, deleted): the next request reads it."""
    _state_drop_on_commit([api_key_state_key(instance.prefix)])
