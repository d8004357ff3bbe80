"""Fixtures of the content tests: the seed page and a way to act inside a tenant."""

import pytest
from django_tenants.utils import tenant_context

from content.demo import bench_page


@pytest.fixture
def seed_page():
    """The 20-block page shared by every app's benchmarks (its shape is the stored shape)."""
    return bench_page()


@pytest.fixture
def in_a(tenant_a):
    with tenant_context(tenant_a):
        yield tenant_a
