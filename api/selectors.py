"""Reads of the api app: the current tenant's API keys, as the keys API shows them."""

from django.db.models import QuerySet

from api.models import ApiKey


def api_key_list() -> QuerySet[ApiKey]:
    """Every key of the current tenant, revoked and expired ones too, with who made it."""
    return ApiKey.objects.select_related("created_by")


def api_key_get(*, pk: int) -> ApiKey:
    """Raises ApiKey.DoesNotExist (a 404 at the API's edge)."""
    return api_key_list().get(pk=pk)
