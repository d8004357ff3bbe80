from django.urls import path

from tenants.views import tenant_home

urlpatterns = [
    path("", tenant_home, name="tenant-home"),
]
