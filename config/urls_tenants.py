"""URLs of every tenant host. The content app's catch-all page view comes last."""

from django.contrib import admin
from django.urls import include, path

from api.api import api
from logins.views import login_limited

admin.site.site_header = "Site editor"
admin.site.site_title = "Site editor"

urlpatterns = [
    path("admin/login/", login_limited(admin.site), name="admin-login"),
    path("admin/analytics/", include("analytics.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("search/", include("search.urls")),
    path("answers/", include("answers.urls")),
    path("", include("content.urls")),
]

# Error pages: problem+json under /api/, a plain page elsewhere, 503 during outages.
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
