"""URLs of the public host (BASE_DOMAIN): the platform admin, the platform API and landing page."""

from django.urls import include, path

from api.platform import platform_api
from logins.views import login_limited
from tenants.admin import platform_site
from tenants.views import platform_home

urlpatterns = [
    path("admin/login/", login_limited(platform_site), name="platform-admin-login"),
    path("admin/analytics/", include("analytics.urls_platform")),
    path("admin/", platform_site.urls),
    path("api/", platform_api.urls),
    path("", platform_home, name="platform-home"),
]

# Error pages: problem+json under /api/, a plain page elsewhere, 503 during outages.
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
