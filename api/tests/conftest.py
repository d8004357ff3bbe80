"""Fixtures of the API tests: tokens and keys obtained through the API itself (helpers in
utils.py)."""

import pytest

from api.tests.utils import user_with_perms


@pytest.fixture
def plain_user_a(tenant_a):
    """A user of tenant A with no permission at all."""
    return user_with_perms(tenant_a, "nobody@alpha.example", [])


@pytest.fixture
def viewer_a(tenant_a):
    """A user of tenant A who may view pages and nothing else."""
    return user_with_perms(tenant_a, "viewer@alpha.example", ["view_page"])
