"""The authentication backend: Django's ModelBackend behind the brute-force limits."""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from logins.limits import login_lock_wait, login_success


class LimitedModelBackend(ModelBackend):
    """Refuses a locked client before its password is hashed (a locked attacker costs one
    Redis round trip, not a PBKDF2 run) and clears the username's count on success.

    Raising PermissionDenied stops django.contrib.auth.authenticate() at once; it then
    sends user_login_failed. `request.login_locked_for` (seconds) tells the caller why.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is not None and username is not None:
            wait = login_lock_wait(request, str(username))
            if wait is not None:
                request.login_locked_for = wait
                raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and request is not None:
            login_success(request, str(username))
        return user
