"""URLs of every tenant host. The catch-all page view comes last."""

from django.contrib import admin
from django.urls import path

from api.api import api
from tenants.views import tenant_home

admin.site.site_header = "Site editor"
admin.site.site_title = "Site editor"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", tenant_home, name="tenant-home"),
]
