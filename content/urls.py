"""Tenant-host URLs of the content app, included last: everything not matched before is a page."""

from django.conf import settings
from django.urls import path, re_path

from content import views

urlpatterns = [
    path("sitemap.xml", views.sitemap, name="content-sitemap"),
    path("robots.txt", views.robots_txt, name="content-robots"),
    path("_preview/<int:page_id>/", views.page_preview, name="content-preview"),
]
if settings.CONTENT_BENCH_HELLO:
    urlpatterns.append(path("_bench/hello", views.bench_hello))
urlpatterns.append(re_path(r"^(?P<path>.*)$", views.page, name="content-page"))
