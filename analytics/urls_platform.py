"""/admin/analytics/ on the public host: behind the platform admin's login."""

from django.urls import path

from analytics import views
from tenants.admin import platform_site

app_name = "analytics_platform"
urlpatterns = [
    path("tenants/", platform_site.admin_view(views.platform_fragment), name="tenants"),
    path("tenants.csv", platform_site.admin_view(views.platform_csv), name="tenants-csv"),
]
