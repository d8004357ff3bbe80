"""Helpers of the content tests (and of other apps' tests that need pages or an admin
session): a tenant's user, a published page, a logged-in admin client, Redis commands
counted."""

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


def redis_calls() -> int:
    """Commands the cache's Redis has run that read or write a key (a hit's round trip
    is one of these); INFO itself is not counted."""
    from django.core.cache import cache

    stats = cache._cache.get_client(write=True).info("commandstats")
    return sum(stats.get(f"cmdstat_{name}", {}).get("calls", 0) for name in ("get", "mget", "set", "eval", "del"))
