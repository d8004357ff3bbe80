"""Log in, refresh (rotating), verify and log out with JWTs bound to the current host's tenant.

Mounted on the tenant API and on the platform API (public host): the same code issues tokens
whose tenant claim is the schema of the host that issued them.
"""

from django.http import HttpRequest
from ninja import Router, Schema, Status

from api import services
from api.errors import Problem, codes_4xx

router = Router(tags=["auth"], auth=None)


class Credentials(Schema):
    username: str
    password: str


class TokenPair(Schema):
    access: str
    refresh: str


class RefreshIn(Schema):
    refresh: str


class TokenIn(Schema):
    token: str


@router.post("/token", response={200: TokenPair, codes_4xx: Problem})
def token_obtain(request: HttpRequest, credentials: Credentials):
    """Exchange a username and password for an access + refresh pair."""
    return services.token_obtain(username=credentials.username, password=credentials.password, request=request)


@router.post("/refresh", response={200: TokenPair, codes_4xx: Problem})
def token_refresh(request: HttpRequest, body: RefreshIn):
    """A new pair for a refresh token; the one sent is blacklisted (rotation)."""
    return services.token_refresh(refresh=body.refresh)


@router.post("/verify", response={204: None, codes_4xx: Problem})
def token_verify(request: HttpRequest, body: TokenIn):
    """204 if the token is valid on this site, 401 if not."""
    services.token_verify(token=body.token)
    return Status(204, None)


@router.post("/logout", response={204: None, codes_4xx: Problem})
def token_logout(request: HttpRequest, body: RefreshIn):
    """End the session: the refresh token is blacklisted and every access token of its
    session stops working at once (send yours as `Authorization: Bearer` to be sure it does)."""
    scheme, _, access = request.headers.get("Authorization", "").partition(" ")
    services.token_logout(refresh=body.refresh, access=access.strip() if scheme.lower() == "bearer" else None)
    return Status(204, None)
