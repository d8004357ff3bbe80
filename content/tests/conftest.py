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


def editor(tenant, email):
    from django.contrib.auth import get_user_model

    with tenant_context(tenant):
        return get_user_model().objects.get(username=email)


def page_published(tenant, **fields):
    """Create and publish a page in `tenant` (as the demo command does)."""
    from content import services

    with tenant_context(tenant):
        page = services.page_create(user=None, **fields)
        return services.page_publish(page=page, user=None)


def admin_login(client, credentials):
    client.get("/admin/login/")
    response = client.post("/admin/login/?next=/admin/", credentials)
    assert response.status_code == 302, "login failed"
    return client
