"""What an authenticated caller may do: Django model permissions for users, scopes for keys.

A viewer (content.view_page) reads, an editor (add/change/delete_page) writes, as in the
admin. An API key's scope was already checked by `ApiKeyAuth(scope)` for the operation.
"""

from django.http import HttpRequest

from api.errors import ApiPermissionDenied
from api.models import ApiKey

PERMISSION_MISSING = "Your account lacks the permission {perm!r}."


def permission_require(request: HttpRequest, perm: str) -> None:
    if isinstance(request.auth, ApiKey):
        return
    if not request.auth.has_perm(perm):
        raise ApiPermissionDenied(PERMISSION_MISSING.format(perm=perm))
