import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from content import services
from content.models import Page
from content.templatetags.content_tags import SKIPPED_COMMENT
from content.tests.utils import admin_login, page_published

HEADING = {"type": "heading", "text": "Hello from alpha", "level": 2}


def _sql(tenant, statement, params):
    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_published_page_renders_its_blocks_nav_and_tenant_name(tenant_a, client_a, seed_page):
    page_published(tenant_a, slug="bench", title="Bench", blocks=seed_page["blocks"], nav=seed_page["nav"])
    response = client_a.get("/bench/")
    assert response.status_code == 200
    html = response.text
    assert "Alpha Bikes" in html
    assert "Why the anchor page exists" in html
    assert "Feature 3.5: dolor sit amet consectetur" in html
    assert '<a href="/pricing/">Pricing</a>' in html
    assert html.count('class="b-') >= 20


def test_same_slug_in_two_tenants_renders_each_ones_content(tenant_a, tenant_b, client_a, client_b):
    page_published(tenant_a, slug="about", title="About A", blocks=[{"type": "heading", "text": "We make bikes"}])
    page_published(tenant_b, slug="about", title="About B", blocks=[{"type": "heading", "text": "We bake bread"}])
    for _ in range(2):  # the second round is served from the cache
        a, b = client_a.get("/about/").text, client_b.get("/about/").text
        assert "We make bikes" in a and "We bake bread" not in a
        assert "We bake bread" in b and "We make bikes" not in b


def test_cache_entry_of_one_tenant_is_not_served_to_another(tenant_a, tenant_b, client_a, client_b):
    page_published(tenant_a, slug="only-a", title="Only A", blocks=[HEADING])
    assert client_a.get("/only-a/").status_code == 200  # now cached under alpha's schema
    response = client_b.get("/only-a/")
    assert response.status_code == 404
    assert "Beta Bakery" in response.text
    assert "Hello from alpha" not in response.text


def test_unpublished_and_missing_pages_get_the_tenants_404(tenant_a, client_a):
    with tenant_context(tenant_a):
        services.page_create(user=None, slug="draft", title="Draft", blocks=[HEADING])
    for path in ("/draft/", "/missing/", "/Not-A-Slug/", "/a//b/"):
        response = client_a.get(path)
        assert response.status_code == 404, path
        assert "Alpha Bikes" in response.text
        assert "Hello from alpha" not in response.text


def test_path_without_trailing_slash_redirects(tenant_a, client_a):
    page_published(tenant_a, slug="about/team", title="Team", blocks=[HEADING])
    response = client_a.get("/about/team")
    assert response.status_code == 301
    assert response["Location"] == "/about/team/"
    assert client_a.get("/about/team/").status_code == 200


def test_etag_and_last_modified_answer_304(tenant_a, client_a):
    page_published(tenant_a, slug="", title="Home", blocks=[HEADING])
    first = client_a.get("/")
    assert first["ETag"] and first["Last-Modified"]
    assert client_a.get("/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client_a.get("/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    assert client_a.get("/", HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_cache_hit_costs_no_sql_and_a_miss_at_most_two(
    tenant_a, client_a, seed_page, django_assert_max_num_queries, django_assert_num_queries
):
    page_published(tenant_a, slug="bench", title="Bench", blocks=seed_page["blocks"], nav=seed_page["nav"])
    client_a.get("/robots.txt")  # warm the host -> tenant entry, as on any running server
    connection.set_schema_to_public()
    with django_assert_max_num_queries(2):
        assert client_a.get("/bench/").status_code == 200
    with django_assert_num_queries(0):
        assert client_a.get("/bench/").status_code == 200


def test_cache_off_renders_with_at_most_two_queries(
    tenant_a, client_a, seed_page, settings, django_assert_max_num_queries
):
    settings.CONTENT_PAGE_CACHE = False
    page_published(tenant_a, slug="bench", title="Bench", blocks=seed_page["blocks"])
    client_a.get("/robots.txt")
    for _ in range(2):
        with django_assert_max_num_queries(2):
            assert client_a.get("/bench/").status_code == 200


def test_publish_shows_the_new_html_on_the_next_request(tenant_a, client_a, django_capture_on_commit_callbacks):
    page = page_published(tenant_a, slug="news", title="News", blocks=[HEADING])
    assert "Hello from alpha" in client_a.get("/news/").text  # cached
    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        services.page_update(page=page, user=None, blocks=[{"type": "heading", "text": "Fresh news"}])
        assert "Hello from alpha" in client_a.get("/news/").text  # the draft is not public
        services.page_publish(page=page, user=None)
    assert "Fresh news" in client_a.get("/news/").text
    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        services.page_unpublish(page=page, user=None)
    assert client_a.get("/news/").status_code == 404


@pytest.mark.parametrize(
    "bad_block",
    [
        {"type": "no-such-type", "text": "x"},
        {"type": "heading", "text": "x", "level": 99},
        {"text": "no type at all"},
        "a string, not a block",
    ],
)
def test_invalid_stored_block_is_skipped_for_visitors_and_flagged_for_editors(tenant_a, client_a, editor_a, bad_block):
    import json

    page = page_published(tenant_a, slug="broken", title="Broken", blocks=[HEADING, {"type": "divider"}])
    _sql(
        tenant_a,
        "UPDATE content_page SET published_blocks = %s WHERE id = %s",
        [json.dumps([HEADING, bad_block, {"type": "quote", "text": "Still here"}]), page.pk],
    )
    visitor = client_a.get("/broken/")
    assert visitor.status_code == 200
    assert "Hello from alpha" in visitor.text and "Still here" in visitor.text
    assert SKIPPED_COMMENT.format(index=1) in visitor.text
    assert "block-warning" not in visitor.text

    admin_login(client_a, editor_a)
    editor_view = client_a.get("/broken/")
    assert editor_view.status_code == 200
    assert "Block 1" in editor_view.text and "block-warning" in editor_view.text
    assert editor_view["Cache-Control"] == "private, no-store"


def test_html_written_around_the_validator_is_sanitised_when_rendered(tenant_a, client_a):
    import json

    page = page_published(tenant_a, slug="xss", title="XSS", blocks=[HEADING])
    evil = [
        {"type": "paragraph", "html": '<p>ok</p><script>alert(1)</script><img src=x onerror="alert(2)">'},
        {"type": "heading", "text": "<script>alert(3)</script>", "level": 2},
        {"type": "cta", "label": "x", "url": "javascript:alert(4)"},
    ]
    _sql(tenant_a, "UPDATE content_page SET published_blocks = %s WHERE id = %s", [json.dumps(evil), page.pk])
    html = client_a.get("/xss/").text
    assert "<p>ok</p>" in html
    assert "<script>alert" not in html and "onerror" not in html and "javascript:" not in html
    assert "&lt;script&gt;alert(3)" in html


def test_sitemap_lists_published_indexable_pages_of_the_tenant(tenant_a, tenant_b, client_a):
    page_published(tenant_a, slug="", title="Home", blocks=[HEADING])
    page_published(tenant_a, slug="hidden", title="Hidden", blocks=[HEADING], noindex=True)
    page_published(tenant_b, slug="beta-only", title="B", blocks=[HEADING])
    with tenant_context(tenant_a):
        services.page_create(user=None, slug="draft", title="Draft")
    xml = client_a.get("/sitemap.xml").text
    assert "<loc>http://alpha.localhost/</loc>" in xml
    assert "hidden" not in xml and "draft" not in xml and "beta-only" not in xml
    robots = client_a.get("/robots.txt").text
    assert "Sitemap: http://alpha.localhost/sitemap.xml" in robots


def test_draft_preview_is_for_staff_only(tenant_a, client_a, editor_a):
    with tenant_context(tenant_a):
        page = services.page_create(user=None, slug="soon", title="Soon", blocks=[HEADING])
    assert client_a.get(f"/_preview/{page.pk}/").status_code == 302  # to the login page
    admin_login(client_a, editor_a)
    response = client_a.get(f"/_preview/{page.pk}/")
    assert response.status_code == 200
    assert "Hello from alpha" in response.text and "Draft preview" in response.text
    with tenant_context(tenant_a):
        assert Page.objects.get(pk=page.pk).status == Page.Status.DRAFT


def test_home_without_a_published_page_says_coming_soon(tenant_a, tenant_b, client_a, client_b):
    page_published(tenant_b, slug="", title="Home B", blocks=[HEADING])
    response = client_a.get("/")
    assert response.status_code == 200
    assert "Coming soon" in response.text and "Alpha Bikes" in response.text
    assert "Hello from alpha" in client_b.get("/").text


def test_seo_fields_are_in_the_head(tenant_a, client_a):
    page_published(
        tenant_a,
        slug="seo",
        title="Seo",
        blocks=[HEADING],
        meta_description="Bikes built to last",
        canonical_url="https://alpha.example/seo/",
        social_image="https://alpha.example/share.png",
        noindex=True,
    )
    html = client_a.get("/seo/").text
    assert '<meta name="description" content="Bikes built to last">' in html
    assert '<link rel="canonical" href="https://alpha.example/seo/">' in html
    assert '<meta property="og:image" content="https://alpha.example/share.png">' in html
    assert '<meta name="robots" content="noindex">' in html
    assert "<title>Seo · Alpha Bikes</title>" in html


def test_renamed_tenant_shows_its_new_name_on_cached_pages(tenant_a, client_a):
    from tenants.models import Tenant
    from tenants.routing import hostname_cache_clear

    page_published(tenant_a, slug="about", title="About", blocks=[HEADING])
    assert "Alpha Bikes" in client_a.get("/about/").text  # cached
    Tenant.objects.filter(pk=tenant_a.pk).update(name="Alpha Cycles")
    hostname_cache_clear(["alpha.localhost"])  # what the tenants app does on a rename
    html = client_a.get("/about/").text
    assert "Alpha Cycles" in html and "Alpha Bikes" not in html


def test_a_cache_entry_of_another_shape_is_a_miss_not_an_error(tenant_a, client_a):
    from django.core.cache import cache

    from content.cache import page_cache_key

    page_published(tenant_a, slug="about", title="About", blocks=[HEADING])
    for stale in ({"body": b"old release"}, "not a dict", {"version": 99, "tenant_name": "Alpha Bikes"}):
        with tenant_context(tenant_a):
            cache.set(page_cache_key("about"), stale)
        response = client_a.get("/about/")
        assert response.status_code == 200
        assert "Hello from alpha" in response.text


def test_a_cache_hit_is_answered_before_sessions_and_keeps_the_security_headers(
    tenant_a, tenant_b, client_a, client_b, django_assert_num_queries
):
    """CachedPageMiddleware answers anonymous hits ahead of sessions, CSRF and auth: the
    answer is the view's (same body, ETag), with the security and framing headers, and
    no cookie is set. Each tenant still gets its own page."""
    page_published(tenant_a, slug="fast", title="Fast", blocks=[HEADING])
    page_published(tenant_b, slug="fast", title="Fast", blocks=[{"type": "heading", "text": "Beta's", "level": 2}])
    miss = client_a.get("/fast/")  # rendered by the view, cached
    connection.set_schema_to_public()
    with django_assert_num_queries(0):
        hit = client_a.get("/fast/")
    assert hit.status_code == 200 and hit.content == miss.content and hit["ETag"] == miss["ETag"]
    assert hit["X-Frame-Options"] == "DENY"
    assert hit["X-Content-Type-Options"] == "nosniff"
    assert hit["Referrer-Policy"] == "same-origin"
    assert not hit.cookies
    assert client_a.get("/fast/", HTTP_IF_NONE_MATCH=hit["ETag"]).status_code == 304
    client_b.get("/fast/")
    beta = client_b.get("/fast/")
    assert "Beta&#x27;s" in beta.text or "Beta's" in beta.text
    assert "Hello from alpha" not in beta.text


def test_a_request_with_a_session_cookie_goes_through_the_view(tenant_a, client_a, editor_a):
    """A session cookie may be staff's: such requests skip the early answer, and a
    logged-in editor gets the uncached, private response."""
    page_published(tenant_a, slug="fast", title="Fast", blocks=[HEADING])
    assert client_a.get("/fast/")["Cache-Control"] == "no-cache"  # cached for visitors
    admin_login(client_a, editor_a)
    assert client_a.get("/fast/")["Cache-Control"] == "private, no-store"
