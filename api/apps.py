from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save, pre_delete, pre_save

        from api import receivers

        user = get_user_model()
        pre_save.connect(receivers.user_change_detect, sender=user, dispatch_uid="api-user-change-detect")
        post_save.connect(receivers.user_changed_revoke, sender=user, dispatch_uid="api-user-changed-revoke")
        pre_delete.connect(receivers.user_deleted_revoke, sender=user, dispatch_uid="api-user-deleted-revoke")
