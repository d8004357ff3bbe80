"""Receivers that keep revoked users' tokens from working, whoever changed the user.

A user is deactivated, given a new password or deleted by Django's own code as often as
by ours (the auth admin, `manage.py changepassword`, `set_password` anywhere), so the
model's signals are the one place that sees every such change. Each denies the user's
sessions in Redis (api.revocation) after the change commits; the receivers only detect
and schedule.
"""

from django.db import connection, transaction
from django_tenants.utils import schema_context
from redis import RedisError

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
