"""Fixtures of the API tests: tokens and keys obtained through the API itself (helpers in
utils.py)."""

import pytest
from django_tenants.utils import tenant_context

from api.tests.utils import user_with_perms


@pytest.fixture
def plain_user_a(tenant_a):
    """A user of tenant A with no permission at all."""
    return user_with_perms(tenant_a, "nobody@alpha.example", [])


@pytest.fixture
def viewer_a(tenant_a):
    """A user of tenant A who may view pages and nothing else."""
    return user_with_perms(tenant_a, "viewer@alpha.example", ["view_page"])


@pytest.fixture
def key_factory():
    """Create API keys through the service, inside a tenant; returns the plain key."""
    from api.services import api_key_create

    def make(tenant, scopes, **kwargs):
        with tenant_context(tenant):
            key, plain = api_key_create(name=kwargs.pop("name", "partner"), scopes=scopes, **kwargs)
        return plain

    return make
