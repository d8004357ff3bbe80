from django.conf import settings
from django.shortcuts import render

from config.errors import API_PREFIX, page_not_found

HOST_UNKNOWN = "No site is served at this host."


def unknown_host(request):
    """No live tenant serves this host: a plain 404, never another tenant's content (a
    problem+json one under /api/, which API clients parse whatever the host)."""
    if request.path_info.startswith(API_PREFIX):
        return page_not_found(request, message=HOST_UNKNOWN)
    host = request.get_host().split(":")[0]
    return render(request, "tenants/unknown_host.html", {"host": host, "base_domain": settings.BASE_DOMAIN}, status=404)


def platform_home(request):
    return render(request, "tenants/platform_home.html", {"base_domain": settings.BASE_DOMAIN})
