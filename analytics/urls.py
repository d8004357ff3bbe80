"""/admin/analytics/ on tenant hosts: behind the tenant admin's login."""

from django.contrib import admin
from django.urls import path

from analytics import views

app_name = "analytics"
urlpatterns = [
    path("dashboard/", admin.site.admin_view(views.dashboard_fragment), name="dashboard"),
    path("export/<slug:name>.csv", admin.site.admin_view(views.export_csv), name="export"),
]
