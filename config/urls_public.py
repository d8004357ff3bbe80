"""URLs of the public host (BASE_DOMAIN): the platform admin and landing page."""

from django.urls import path

from tenants.admin import platform_site
from tenants.views import platform_home

urlpatterns = [
    path("admin/", platform_site.urls),
    path("", platform_home, name="platform-home"),
]
