"""API keys for admins of the site: create (the key is in the answer, once), list, revoke."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from api import selectors, services
from api.errors import Problem, codes_4xx
from api.models import ApiKey
from api.permissions import permission_require

router = Router(tags=["api keys"])  # JWT only: a key never manages keys


class ApiKeyIn(Schema):
    name: str = Field(max_length=100)
    scopes: list[ApiKey.Scope] = Field(min_length=1)
    expires_at: datetime | None = None


class ApiKeyOut(Schema):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    created_at: datetime
    created_by: str | None

    @staticmethod
    def resolve_created_by(key: ApiKey) -> str | None:
        return key.created_by.get_username() if key.created_by else None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The full key. It is shown only in this answer: store it now.")


@router.get("", response={200: list[ApiKeyOut], codes_4xx: Problem})
def api_key_list(request: HttpRequest):
    permission_require(request, "api.view_apikey")
    return list(selectors.api_key_list())


@router.post("", response={201: ApiKeyCreated, codes_4xx: Problem})
def api_key_create(request: HttpRequest, payload: ApiKeyIn):
    permission_require(request, "api.add_apikey")
    key, plain = services.api_key_create(
        name=payload.name,
        scopes=[str(s) for s in payload.scopes],
        expires_at=payload.expires_at,
        created_by=request.user,
    )
    key.key = plain
    return Status(201, key)


@router.post("/{key_id}/revoke", response={200: ApiKeyOut, codes_4xx: Problem})
def api_key_revoke(request: HttpRequest, key_id: int):
    permission_require(request, "api.change_apikey")
    return services.api_key_revoke(key=selectors.api_key_get(pk=key_id))
