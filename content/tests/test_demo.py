from django.core.management import call_command
from django.test import Client
from django_tenants.utils import tenant_context

from content.models import Page
from tenants import services as tenant_services


def test_demo_gives_each_demo_tenant_its_own_published_site_idempotently(db, capsys):
    tenants = [
        tenant_services.tenant_provision(name="acme", display_name="Acme Robotics"),
        tenant_services.tenant_provision(name="globex", display_name="Globex Coffee"),
    ]
    call_command("content_demo")
    call_command("content_demo")  # a second run changes nothing
    assert "acme: 0 demo page(s) created, 5 already there" in capsys.readouterr().out
    for tenant in tenants:
        with tenant_context(tenant):
            slugs = set(Page.objects.filter(status=Page.Status.PUBLISHED).values_list("slug", flat=True))
            assert {"", "about", "pricing", "bench"} <= slugs
            assert len(slugs) == 5
    acme = Client(HTTP_HOST="acme.localhost")
    globex = Client(HTTP_HOST="globex.localhost")
    assert "Robot arms" in acme.get("/").text and "Coffee roasted" not in acme.get("/").text
    assert "Coffee roasted" in globex.get("/").text
    assert "Why the anchor page exists" in acme.get("/bench/").text
    # The demo's pictures are library images: the hero and four cards, as sized renditions
    # (the hero alone is 2400 px wide, so it alone has a 1920w rendition, in WebP and JPEG).
    home = acme.get("/").text
    assert home.count("<picture>") == 5 and home.count(" 1920w") == 2 and "/static/content/demo" not in home
    for client in (acme, globex):
        for path in ("/", "/about/", "/pricing/", "/bench/"):
            assert client.get(path).status_code == 200, path
