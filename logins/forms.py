"""The admin login forms (tenant and platform admin) with the brute-force message."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from logins.limits import LoginLocked


class LimitedAdminAuthenticationForm(AdminAuthenticationForm):
    def get_invalid_login_error(self):
        wait = getattr(self.request, "login_locked_for", None)
        if wait:
            return ValidationError(str(LoginLocked(wait)), code="locked")
        return super().get_invalid_login_error()
