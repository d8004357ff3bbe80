from django.apps import AppConfig


class LoginsConfig(AppConfig):
    name = "logins"
    verbose_name = "Logins"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from logins import receivers

        # Sent by django.contrib.auth.authenticate() once every backend refused: the admin
        # login forms and the API's token endpoint both end up there.
        user_login_failed.connect(receivers.login_failed_count, dispatch_uid="logins-failed")
