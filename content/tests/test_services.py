import pytest
from django.core.exceptions import ValidationError

from content import selectors, services, signals
from content.blocks import BlocksInvalid
from content.exceptions import PageInvalid
from content.models import Page, PageRevision
from content.tests.utils import editor


@pytest.fixture
def user_a(tenant_a, editor_a):
    return editor(tenant_a, editor_a["username"])


def test_create_keeps_a_revision_and_starts_as_draft(in_a, user_a):
    page = services.page_create(user=user_a, slug="about", title="About", blocks=[{"type": "divider"}])
    assert page.status == Page.Status.DRAFT
    (revision,) = selectors.page_revisions(page=page)
    assert revision.author == user_a
    assert revision.blocks == page.blocks


def test_every_update_keeps_a_revision_and_restore_brings_it_back(in_a, user_a):
    page = services.page_create(user=user_a, slug="about", title="First", blocks=[])
    services.page_update(page=page, user=user_a, title="Second")
    first = selectors.page_revisions(page=page).last()
    services.page_revision_restore(revision=first, user=user_a)
    page.refresh_from_db()
    assert page.title == "First"
    assert selectors.page_revisions(page=page).count() == 3


def test_bad_input_raises_with_paths_and_writes_nothing(in_a, user_a):
    with pytest.raises(PageInvalid) as exc:
        services.page_create(
            user=user_a,
            slug="Not A Slug",
            title="",
            blocks=[{"type": "heading", "text": "x", "level": 0}],
            nav=[{"label": "Home", "url": "javascript:x"}],
            canonical_url="ftp://x",
        )
    locs = {tuple(error["loc"]) for error in exc.value.errors}
    assert locs == {("slug",), ("title",), ("blocks", 0, "level"), ("nav", 0, "url"), ("canonical_url",)}
    assert isinstance(exc.value, ValidationError)
    assert not Page.objects.exists()
    assert not PageRevision.objects.exists()


def test_failed_update_changes_nothing(in_a, user_a):
    page = services.page_create(user=user_a, slug="about", title="About", blocks=[{"type": "divider"}])
    with pytest.raises(PageInvalid):
        services.page_update(page=page, user=user_a, title="New", blocks=[{"type": "heading"}])
    page.refresh_from_db()
    assert page.title == "About"
    assert PageRevision.objects.filter(page=page).count() == 1


def test_slug_is_unique(in_a, user_a):
    services.page_create(user=user_a, slug="about", title="About")
    with pytest.raises(PageInvalid) as exc:
        services.page_create(user=user_a, slug="about", title="Again")
    assert exc.value.errors == [{"loc": ["slug"], "msg": services.SLUG_TAKEN}]
    assert not isinstance(exc.value, BlocksInvalid)  # a slug error names the page, not its blocks


def test_publish_copies_the_draft_and_later_edits_stay_private(in_a, user_a):
    page = services.page_create(user=user_a, slug="", title="Home", blocks=[{"type": "divider"}])
    services.page_publish(page=page, user=user_a)
    services.page_update(page=page, user=user_a, title="Draft title")
    published = selectors.page_published_get(slug="")
    assert published.published_title == "Home"
    assert published.published_at is not None


def test_unpublished_page_is_not_found_by_the_published_selector(in_a, user_a):
    page = services.page_create(user=user_a, slug="gone", title="Gone")
    services.page_publish(page=page, user=user_a)
    services.page_unpublish(page=page, user=user_a)
    with pytest.raises(Page.DoesNotExist):
        selectors.page_published_get(slug="gone")


def test_signals_are_sent_after_commit_in_the_tenant_schema(in_a, user_a, django_capture_on_commit_callbacks):
    from django.db import connection

    received = []

    def receiver(signal, sender, page_id, slug, **kwargs):
        received.append((signal, page_id, slug, connection.schema_name))

    for signal in (signals.page_published, signals.page_unpublished, signals.page_deleted):
        signal.connect(receiver, dispatch_uid="content-test")
    try:
        page = services.page_create(user=user_a, slug="news", title="News")
        page_id = page.pk
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.page_publish(page=page, user=user_a)
        assert received == []  # nothing before the commit
        for callback in callbacks:
            callback()
        with django_capture_on_commit_callbacks(execute=True):
            services.page_unpublish(page=page, user=user_a)
            services.page_delete(page=page, user=user_a)
    finally:
        for signal in (signals.page_published, signals.page_unpublished, signals.page_deleted):
            signal.disconnect(dispatch_uid="content-test")
    assert [(s, slug, schema) for s, _, slug, schema in received] == [
        (signals.page_published, "news", "alpha"),
        (signals.page_unpublished, "news", "alpha"),
        (signals.page_deleted, "news", "alpha"),
    ]
    assert {received_id for _, received_id, _, _ in received} == {page_id}


def test_a_stale_copy_neither_clobbers_nor_is_published_over_the_stored_draft(in_a, user_a):
    page = services.page_create(user=user_a, slug="race", title="Stored", blocks=[{"type": "divider"}])
    stale = Page.objects.get(pk=page.pk)
    services.page_publish(page=page, user=user_a)
    services.page_update(page=stale, user=user_a, meta_description="edited from an old copy")
    fresh = Page.objects.get(pk=page.pk)
    assert fresh.status == Page.Status.PUBLISHED
    assert fresh.published_title == "Stored"
    stale.title = "Unsaved change"  # not stored: publishing must not pick it up
    services.page_publish(page=stale, user=user_a)
    assert Page.objects.get(pk=page.pk).published_title == "Stored"
