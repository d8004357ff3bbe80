"""Receivers of django.contrib.auth's signals."""

from logins.limits import login_failure_count


def login_failed_count(sender, credentials: dict, request=None, **kwargs) -> None:
    """Count a failed login; one refused because the client is locked is not counted again
    (it would stretch nothing, the window runs from the first failure, but it is not news)."""
    username = credentials.get("username")
    if request is None or username is None or getattr(request, "login_locked_for", None):
        return
    login_failure_count(request, str(username))
