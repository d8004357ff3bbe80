"""Helpers of the API tests: headers for tokens and keys, tokens obtained through the API
itself, users with chosen permissions."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django_tenants.utils import tenant_context

VIEWER_PASSWORD = "viewer-pass-7781"


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def api_key_header(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Api-Key {key}"}


def token_pair(client, credentials) -> dict:
    response = client.post("/api/auth/token", credentials, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def user_with_perms(tenant, username, codenames) -> dict:
    """A user of `tenant` holding the permissions `codenames`; returns its credentials."""
    with tenant_context(tenant):
        user = get_user_model().objects.create_user(username=username, password=VIEWER_PASSWORD)
        user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return {"username": username, "password": VIEWER_PASSWORD}
