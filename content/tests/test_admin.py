import json

from django_tenants.utils import tenant_context

from content import selectors, services
from content.models import Page, PageRevision
from content.tests.utils import admin_login, page_published


def _form(page: Page | None = None, **changes) -> dict:
    data = {
        "title": page.title if page else "",
        "slug": page.slug if page else "",
        "blocks": json.dumps(page.blocks if page else []),
        "nav": json.dumps(page.nav if page else []),
        "meta_description": "",
        "canonical_url": "",
        "social_image": "",
    }
    for key, value in changes.items():
        data[key] = json.dumps(value) if key in ("blocks", "nav") else value
    return data


def test_editor_changes_a_block_and_the_next_visitor_sees_it(
    tenant_a, client_a, editor_a, django_capture_on_commit_callbacks
):
    page = page_published(tenant_a, slug="", title="Home", blocks=[{"type": "heading", "text": "Old headline"}])
    visitor = type(client_a)(HTTP_HOST="alpha.localhost")
    assert "Old headline" in visitor.get("/").text  # now in the page cache

    admin_login(client_a, editor_a)
    blocks = [{**page.blocks[0], "text": "New headline"}]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(
            f"/admin/content/page/{page.pk}/change/", {**_form(page, blocks=blocks), "_publish": "1"}
        )
    assert response.status_code == 302, response.content[:2000]
    html = visitor.get("/").text
    assert "New headline" in html and "Old headline" not in html
    with tenant_context(tenant_a):
        page.refresh_from_db()
        assert page.blocks[0]["id"] == blocks[0]["id"]  # the block kept its id
        assert selectors.page_revisions(page=page).count() == 2


def test_saving_a_draft_does_not_change_what_visitors_see(
    tenant_a, client_a, editor_a, django_capture_on_commit_callbacks
):
    page = page_published(tenant_a, slug="about", title="About", blocks=[{"type": "heading", "text": "Live"}])
    admin_login(client_a, editor_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(
            f"/admin/content/page/{page.pk}/change/",
            {**_form(page, blocks=[{"type": "heading", "text": "Draft"}]), "_continue": "1"},
        )
    assert response.status_code == 302
    visitor = type(client_a)(HTTP_HOST="alpha.localhost")
    assert "Live" in visitor.get("/about/").text
    preview = client_a.get(f"/_preview/{page.pk}/").text
    assert "Draft" in preview


def test_bad_block_data_shows_errors_with_paths_and_saves_nothing(tenant_a, client_a, editor_a):
    page = page_published(tenant_a, slug="about", title="About", blocks=[{"type": "heading", "text": "Live"}])
    admin_login(client_a, editor_a)
    bad = [
        {"type": "heading", "text": "Fine"},
        {"type": "heading", "text": "x", "level": 9},
        {"type": "cta", "label": "Go", "url": "javascript:alert(1)"},
    ]
    response = client_a.post(f"/admin/content/page/{page.pk}/change/", {**_form(page, blocks=bad), "_publish": "1"})
    assert response.status_code == 200
    assert "blocks[1].level: Input should be less than or equal to 6" in response.text
    assert "blocks[2].url: only http(s), mailto and relative URLs are allowed" in response.text
    # the structured editor receives the same errors on the blocks' own fields
    assert "1\\u00a7level" in response.text or "1§level" in response.text
    with tenant_context(tenant_a):
        page.refresh_from_db()
        assert page.blocks[0]["text"] == "Live"
        assert PageRevision.objects.filter(page=page).count() == 1


def test_add_page_in_the_admin(tenant_a, client_a, editor_a, django_capture_on_commit_callbacks):
    admin_login(client_a, editor_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(
            "/admin/content/page/add/",
            {
                **_form(
                    title="Contact",
                    slug="contact",
                    blocks=[{"type": "paragraph", "html": "<p>Call us</p><script>x()</script>"}],
                    nav=[{"label": "Home", "url": "/"}],
                ),
                "_publish": "1",
            },
        )
    assert response.status_code == 302
    html = type(client_a)(HTTP_HOST="alpha.localhost").get("/contact/").text
    assert "Call us" in html and "<script>x()" not in html
    assert '<a href="/">Home</a>' in html


def test_editor_of_a_cannot_open_b_pages(tenant_a, tenant_b, client_a, client_b, editor_a):
    page_b = page_published(tenant_b, slug="secret", title="Beta secret", blocks=[{"type": "divider"}])
    admin_login(client_a, editor_a)
    # the same id on A's host is looked up in A's schema: not B's page
    response = client_a.get(f"/admin/content/page/{page_b.pk}/change/", follow=True)
    assert "Beta secret" not in response.text
    assert "Beta secret" not in client_a.get("/admin/content/page/").text
    # A's session is not valid on B's host
    client_b.cookies = client_a.cookies
    assert client_b.get(f"/admin/content/page/{page_b.pk}/change/").status_code == 302


def test_publish_and_unpublish_actions(tenant_a, client_a, editor_a, django_capture_on_commit_callbacks):
    with tenant_context(tenant_a):
        page = services.page_create(user=None, slug="later", title="Later", blocks=[{"type": "divider"}])
    admin_login(client_a, editor_a)
    visitor = type(client_a)(HTTP_HOST="alpha.localhost")
    with django_capture_on_commit_callbacks(execute=True):
        client_a.post("/admin/content/page/", {"action": "publish_selected", "_selected_action": [page.pk]})
    assert visitor.get("/later/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client_a.post("/admin/content/page/", {"action": "unpublish_selected", "_selected_action": [page.pk]})
    assert visitor.get("/later/").status_code == 404


def test_revision_history_compare_and_restore(tenant_a, client_a, editor_a):
    with tenant_context(tenant_a):
        page = services.page_create(user=None, slug="story", title="First title", blocks=[])
        services.page_update(page=page, user=None, title="Second title")
        first = selectors.page_revisions(page=page).last()
    admin_login(client_a, editor_a)
    history = client_a.get(f"/admin/content/page/{page.pk}/revisions/?compare={first.pk}")
    assert history.status_code == 200
    assert "First title" in history.text and "Second title" in history.text
    response = client_a.post(f"/admin/content/page/{page.pk}/revisions/{first.pk}/restore/")
    assert response.status_code == 302
    with tenant_context(tenant_a):
        page.refresh_from_db()
        assert page.title == "First title"


def test_delete_in_the_admin_goes_through_the_service(tenant_a, client_a, editor_a, django_capture_on_commit_callbacks):
    page = page_published(tenant_a, slug="old", title="Old", blocks=[{"type": "divider"}])
    visitor = type(client_a)(HTTP_HOST="alpha.localhost")
    assert visitor.get("/old/").status_code == 200  # cached
    admin_login(client_a, editor_a)
    with django_capture_on_commit_callbacks(execute=True):
        client_a.post(f"/admin/content/page/{page.pk}/delete/", {"post": "yes"})
    assert visitor.get("/old/").status_code == 404


def test_change_form_renders_the_structured_editors(tenant_a, client_a, editor_a):
    page = page_published(tenant_a, slug="form", title="Form", blocks=[{"type": "divider"}])
    admin_login(client_a, editor_a)
    html = client_a.get(f"/admin/content/page/{page.pk}/change/").text
    assert "django-jsonform-container" in html
    assert "Save and publish" in html and "Revisions" in html and "Preview draft" in html
