"""Helpers of the content tests (and of other apps' tests that need pages or an admin
session): a tenant's user, a published page, a logged-in admin client."""

from django_tenants.utils import tenant_context


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
