"""Who the caller is on this site: the user behind the JWT, or the API key."""

from django.http import HttpRequest
from ninja import Router, Schema

from api.auth import ApiKeyAuth, JWTAuth
from api.errors import Problem, codes_4xx
from api.models import ApiKey

router = Router(tags=["me"])


class MeOut(Schema):
    kind: str  # "user" or "api_key"
    tenant: str
    username: str | None = None
    email: str | None = None
    is_staff: bool = False
    is_superuser: bool = False
    permissions: list[str] = []
    key_name: str | None = None
    scopes: list[str] = []


@router.get(
    "",
    response={200: MeOut, codes_4xx: Problem},
    auth=[JWTAuth(), ApiKeyAuth(None)],
)
def me(request: HttpRequest):
    """The user (JWT) or key (Api-Key, any scope) making this call, and what it may do."""
    tenant = request.tenant.schema_name
    if isinstance(request.auth, ApiKey):
        return {"kind": "api_key", "tenant": tenant, "key_name": request.auth.name, "scopes": request.auth.scopes}
    user = request.auth
    return {
        "kind": "user",
        "tenant": tenant,
        "username": user.get_username(),
        "email": user.email,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "permissions": sorted(user.get_all_permissions()),
    }
