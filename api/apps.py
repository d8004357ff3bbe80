from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

        from api import receivers
        from api.models import ApiKey

        user = get_user_model()
        pre_save.connect(receivers.user_change_detect, sender=user, dispatch_uid="api-user-change-detect")
        post_save.connect(receivers.user_changed_revoke, sender=user, dispatch_uid="api-user-changed-revoke")
        pre_delete.connect(receivers.user_deleted_revoke, sender=user, dispatch_uid="api-user-deleted-revoke")
        # The cached state of callers (api.credentials).
        post_save.connect(receivers.user_state_changed, sender=user, dispatch_uid="api-user-state-saved")
        post_delete.connect(receivers.user_state_changed, sender=user, dispatch_uid="api-user-state-deleted")
        for through in (user.groups.through, user.user_permissions.through, Group.permissions.through):
            m2m_changed.connect(
                receivers.user_permissions_changed, sender=through, dispatch_uid=f"api-user-perms-{through.__name__}"
            )
        pre_delete.connect(receivers.group_deleted, sender=Group, dispatch_uid="api-group-deleted")
        post_save.connect(receivers.api_key_changed, sender=ApiKey, dispatch_uid="api-key-saved")
        post_delete.connect(receivers.api_key_changed, sender=ApiKey, dispatch_uid="api-key-deleted")
