"""The authenticated read path: no SQL for the caller, at most 2 PostgreSQL round trips
and 1 Redis round trip per read, the published JSON answered from the page cache, and the
cached state of users and keys dropped exactly when they change (two tenants)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django_tenants.utils import tenant_context
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from api import auth
from api.credentials import caller_read, user_state_key, user_state_load
from api.models import ApiKey
from api.services import api_key_revoke
from api.tests.utils import api_key_header, bearer, token_pair
from content import services
from content.models import Page

JSON = "application/json"
BLOCKS = [{"type": "heading", "text": "Hello", "level": 2}, {"type": "paragraph", "html": "<p>Body</p>"}]


def _commandstats() -> dict[str, int]:
    stats = cache._cache.get_client().info("commandstats")
    return {name.removeprefix("cmdstat_"): value["calls"] for name, value in stats.items()}


def _published_page(tenant, slug="about", title="About", **fields):
    with tenant_context(tenant):
        page = services.page_create(user=None, slug=slug, title=title, blocks=BLOCKS, **fields)
        return services.page_publish(page=page, user=None)


def _sql(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if not q["sql"].startswith("SET ")]


def test_jwt_draft_read_is_one_query_then_no_sql_and_one_redis_round_trip(
    client_a, tenant_a, tokens_a, django_assert_max_num_queries, redis_round_trips
):
    _published_page(tenant_a)
    client_a.get("/api/pages/robots-only", **bearer(tokens_a["access"]))  # the user cached (a 404)
    with django_assert_max_num_queries(2) as captured:  # the page, and SET search_path if the schema changed
        first = client_a.get("/api/pages/about", **bearer(tokens_a["access"]))
    assert first.status_code == 200 and first.json()["title"] == "About"
    assert len(_sql(captured)) == 1 and "content_page" in _sql(captured)[0]

    before = _commandstats()
    redis_round_trips.clear()
    with django_assert_max_num_queries(0):
        response = client_a.get("/api/pages/about", **bearer(tokens_a["access"]))
    sent = list(redis_round_trips)
    after = _commandstats()
    assert response.status_code == 200 and response.content == first.content
    # One script (config.cache.cache_round_trip): user state + its generation + the
    # deny-list + the draft's JSON (MGET), the rate-limit counter (INCR; EXPIRE once, when new)
    assert len(sent) == 1, sent
    assert after.get("evalsha", 0) - before.get("evalsha", 0) == 1
    assert after.get("mget", 0) - before.get("mget", 0) == 1
    assert after.get("incr", 0) - before.get("incr", 0) == 1
    assert after.get("get", 0) - before.get("get", 0) == 0


def test_a_viewer_s_permissions_are_cached_too(client_a, tenant_a, viewer_a, django_assert_max_num_queries):
    _published_page(tenant_a)
    token = token_pair(client_a, viewer_a)["access"]
    assert client_a.get("/api/pages/robots-only", **bearer(token)).status_code == 404  # user + permissions read once
    with django_assert_max_num_queries(2) as captured:
        assert client_a.get("/api/pages/about", **bearer(token)).status_code == 200
    assert len(_sql(captured)) == 1  # no permission query: has_perm() answers from the cached state


def test_draft_json_is_dropped_on_every_change_of_its_tenant_only(
    client_a,
    client_b,
    tenant_a,
    tenant_b,
    tokens_a,
    tokens_b,
    django_capture_on_commit_callbacks,
    django_assert_num_queries,
):
    for tenant in (tenant_a, tenant_b):
        _published_page(tenant, title=f"About {tenant.schema_name}")
    auth_a, auth_b = bearer(tokens_a["access"]), bearer(tokens_b["access"])
    assert client_a.get("/api/pages/about", **auth_a).json()["title"] == "About alpha"
    assert client_b.get("/api/pages/about", **auth_b).json()["title"] == "About beta"

    # a draft save through the API: the very next read has it (after the save's commit)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.patch("/api/pages/about", {"title": "Draft"}, content_type=JSON, **auth_a)
    assert response.status_code == 200
    assert client_a.get("/api/pages/about", **auth_a).json()["title"] == "Draft"
    # a save through the services (the admin's path), after its commit
    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        services.page_update(page=Page.objects.get(slug="about"), user=None, title="Second draft")
    body = client_a.get("/api/pages/about", **auth_a).json()
    assert body["title"] == "Second draft" and body["status"] == "published"
    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        services.page_unpublish(page=Page.objects.get(slug="about"), user=None)
    assert client_a.get("/api/pages/about", **auth_a).json()["status"] == "draft"
    # tenant B's entry for the same slug was left alone: still a hit, no SQL
    with django_assert_num_queries(0):
        assert client_b.get("/api/pages/about", **auth_b).json()["title"] == "About beta"
    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        services.page_delete(page=Page.objects.get(slug="about"), user=None)
    assert client_a.get("/api/pages/about", **auth_a).status_code == 404


def test_json_read_before_a_change_is_not_stored_after_it(tenant_a):
    """A read that began before a change (its generation read first) cannot put the old JSON
    back after the change dropped it."""
    from content.cache import generation_get, page_cache_invalidate, page_draft_json_cache_key, page_json_cache_set

    with tenant_context(tenant_a):
        key = page_draft_json_cache_key("about")
        page_json_cache_set(key, b'{"old": 1}', generation=generation_get())
        assert cache.get(key) == b'{"old": 1}'
        before = generation_get()
        page_cache_invalidate(schema_name=tenant_a.schema_name, slugs=["about"])
        assert cache.get(key) is None
        page_json_cache_set(key, b'{"old": 2}', generation=before)
        assert cache.get(key) is None
        page_json_cache_set(key, b'{"new": 3}', generation=generation_get())
        assert cache.get(key) == b'{"new": 3}'


def test_published_page_by_key_hit_costs_no_sql_and_one_redis_round_trip(
    client_a, tenant_a, key_factory, django_assert_num_queries, redis_round_trips
):
    _published_page(tenant_a)
    key = api_key_header(key_factory(tenant_a, ["pages:read"]))
    first = client_a.get("/api/published/pages/about", **key)  # a miss: key row, page row, JSON cached
    assert first.status_code == 200
    redis_round_trips.clear()
    with django_assert_num_queries(0):
        hit = client_a.get("/api/published/pages/about", **key)
    assert hit.status_code == 200
    assert hit["Content-Type"] == "application/json; charset=utf-8"
    assert hit.content == first.content
    assert hit.json()["title"] == "About"
    assert [b["type"] for b in hit.json()["blocks"]] == ["heading", "paragraph"]
    assert len(redis_round_trips) == 1  # key state + generation + the page's JSON, counter, last-used marker


def test_published_json_is_the_same_document_as_before(client_a, tenant_a, tokens_a):
    """The cached bytes hold what ninja's own serialisation of the schema gives."""
    _published_page(tenant_a, meta_description="Who we are")
    body = client_a.get("/api/published/pages/about", **bearer(tokens_a["access"])).json()
    assert set(body) == {
        "slug",
        "title",
        "blocks",
        "nav",
        "images",
        "published_at",
        "meta_description",
        "canonical_url",
        "social_image",
        "noindex",
    }
    assert body["meta_description"] == "Who we are"
    assert body["published_at"].endswith("Z")  # Django's date format, as json.dumps wrote it


def test_published_json_is_dropped_exactly_when_the_html_is(
    client_a, client_b, tenant_a, tenant_b, key_factory, django_capture_on_commit_callbacks, django_assert_num_queries
):
    for tenant in (tenant_a, tenant_b):
        _published_page(tenant, title=f"About {tenant.schema_name}")
    key_a = api_key_header(key_factory(tenant_a, ["pages:read"]))
    key_b = api_key_header(key_factory(tenant_b, ["pages:read"]))
    assert client_a.get("/api/published/pages/about", **key_a).json()["title"] == "About alpha"
    assert client_b.get("/api/published/pages/about", **key_b).json()["title"] == "About beta"

    def read_a():
        return client_a.get("/api/published/pages/about", **key_a)

    # a draft change is not published: still the cached snapshot
    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        page = services.page_update(page=Page.objects.get(slug="about"), user=None, title="Draft")
    assert read_a().json()["title"] == "About alpha"
    # publish: the next request shows it
    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        services.page_update(page=page, user=None, nav=[{"label": "Home", "url": "/"}])
        page = services.page_publish(page=Page.objects.get(slug="about"), user=None)
    assert read_a().json()["title"] == "Draft"
    assert read_a().json()["nav"] == [{"label": "Home", "url": "/"}]
    # tenant B's entry for the same slug was left alone: still a hit, no SQL
    with django_assert_num_queries(0):
        assert client_b.get("/api/published/pages/about", **key_b).json()["title"] == "About beta"
    # slug change: the old address is gone, the new one answers
    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        page = services.page_update(page=page, user=None, slug="who-we-are")
    assert read_a().status_code == 404
    assert client_a.get("/api/published/pages/who-we-are", **key_a).status_code == 200
    # unpublish, then delete
    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        services.page_unpublish(page=page, user=None)
    assert client_a.get("/api/published/pages/who-we-are", **key_a).status_code == 404
    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        page = services.page_publish(page=Page.objects.get(slug="who-we-are"), user=None)
    assert client_a.get("/api/published/pages/who-we-are", **key_a).status_code == 200
    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        services.page_delete(page=page, user=None)
    assert client_a.get("/api/published/pages/who-we-are", **key_a).status_code == 404


def test_page_cache_off_means_no_cached_json(client_a, tenant_a, key_factory, settings, django_assert_max_num_queries):
    settings.CONTENT_PAGE_CACHE = False
    _published_page(tenant_a)
    key = api_key_header(key_factory(tenant_a, ["pages:read"]))
    assert client_a.get("/api/published/pages/about", **key).status_code == 200
    with django_assert_max_num_queries(2) as captured:
        assert client_a.get("/api/published/pages/about", **key).status_code == 200
    assert len(_sql(captured)) == 1  # the page row: read every time, as the HTML is


# --- the cached state of users ---


def _user(tenant, username):
    with tenant_context(tenant):
        return get_user_model().objects.get(username=username)


def _sessions_forget(tenant, user):
    """Remove the user's outstanding tokens, so that the deny-list (api.revocation) has no
    session to deny: what stops the token then is the cached user state alone."""
    with tenant_context(tenant):
        OutstandingToken.objects.filter(user=user).delete()


def test_deactivation_drops_the_cached_user_of_that_tenant_only(
    client_a, client_b, tenant_a, tenant_b, tokens_a, tokens_b, editor_a, django_capture_on_commit_callbacks
):
    for client, tokens in ((client_a, tokens_a), (client_b, tokens_b)):
        assert client.get("/api/me", **bearer(tokens["access"])).status_code == 200  # both cached
    user = _user(tenant_a, editor_a["username"])
    assert user.pk == _user(tenant_b, "editor@beta.example").pk  # same id in both schemas
    _sessions_forget(tenant_a, user)
    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        user.is_active = False
        user.save()
    response = client_a.get("/api/me", **bearer(tokens_a["access"]))
    assert response.status_code == 401
    assert response.json()["detail"] == auth.TOKEN_USER_UNKNOWN
    assert client_b.get("/api/me", **bearer(tokens_b["access"])).status_code == 200


def test_password_change_drops_the_cached_user(
    client_a, tenant_a, tokens_a, editor_a, django_capture_on_commit_callbacks
):
    assert client_a.get("/api/me", **bearer(tokens_a["access"])).status_code == 200
    user = _user(tenant_a, editor_a["username"])
    _sessions_forget(tenant_a, user)
    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        user.set_password("a-new-password-5512")
        user.save()
    response = client_a.get("/api/me", **bearer(tokens_a["access"]))
    assert response.status_code == 401
    assert response.json()["detail"] == auth.TOKEN_PASSWORD_CHANGED


def test_permission_changes_apply_on_the_next_request(
    client_a, client_b, tenant_a, tenant_b, viewer_a, django_capture_on_commit_callbacks
):
    from api.tests.utils import user_with_perms

    viewer_b = user_with_perms(tenant_b, viewer_a["username"], ["view_page"])  # same name and rights in B
    token_a = token_pair(client_a, viewer_a)["access"]
    token_b = token_pair(client_b, viewer_b)["access"]
    for client, token in ((client_a, token_a), (client_b, token_b)):
        assert client.get("/api/pages", **bearer(token)).status_code == 200

    user = _user(tenant_a, viewer_a["username"])
    view_page = Permission.objects.get(codename="view_page")
    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        user.user_permissions.remove(view_page)
    assert client_a.get("/api/pages", **bearer(token_a)).status_code == 403
    assert client_b.get("/api/pages", **bearer(token_b)).status_code == 200

    # through a group: added, then the group loses the permission, then the group goes
    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        group = Group.objects.create(name="viewers")
        group.permissions.add(view_page)
        user.groups.add(group)
    assert client_a.get("/api/pages", **bearer(token_a)).status_code == 200
    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        group.permissions.remove(view_page)
    assert client_a.get("/api/pages", **bearer(token_a)).status_code == 403
    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        group.permissions.add(view_page)
    assert client_a.get("/api/pages", **bearer(token_a)).status_code == 200
    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        group.delete()
    assert client_a.get("/api/pages", **bearer(token_a)).status_code == 403
    assert client_b.get("/api/pages", **bearer(token_b)).status_code == 200


def test_a_state_read_before_a_change_is_never_used_after_it(client_a, tenant_a, viewer_a):
    """The race the generation counter closes: a reader loads the user, the user changes
    and the cache is dropped, then the reader stores what it loaded: the stale entry must
    not be used by the next request."""
    token = token_pair(client_a, viewer_a)["access"]
    user = _user(tenant_a, viewer_a["username"])
    with tenant_context(tenant_a):
        read = caller_read(state_key=user_state_key(user.pk))  # a request's round trip: a miss
        stale = user_state_load(user.pk)  # ... its database read, with view_page
        user.user_permissions.clear()  # the change (its receivers drop the entry)
        read.state_store(stale)  # ... and the slow reader stores the old state
    assert client_a.get("/api/pages", **bearer(token)).status_code == 403


# --- the cached state of API keys ---


def test_key_revoke_applies_on_the_next_request_on_that_tenant_only(
    client_a, client_b, tenant_a, tenant_b, key_factory, django_capture_on_commit_callbacks, django_assert_num_queries
):
    for tenant in (tenant_a, tenant_b):
        _published_page(tenant)
    plain_a = key_factory(tenant_a, ["pages:read"])
    key_a, key_b = api_key_header(plain_a), api_key_header(key_factory(tenant_b, ["pages:read"]))
    for client, key in ((client_a, key_a), (client_b, key_b)):
        assert client.get("/api/published/pages/about", **key).status_code == 200
    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        api_key_revoke(key=ApiKey.objects.get(prefix=plain_a.split(".")[0]))
    response = client_a.get("/api/published/pages/about", **key_a)
    assert response.status_code == 401
    assert response.json()["detail"] == auth.KEY_INVALID
    with django_assert_num_queries(0):  # B's key and page: still cached
        assert client_b.get("/api/published/pages/about", **key_b).status_code == 200


def test_a_deleted_key_is_unknown_on_the_next_request(client_a, tenant_a, key_factory):
    plain = key_factory(tenant_a, ["pages:read"])
    assert client_a.get("/api/me", **api_key_header(plain)).status_code == 200
    with tenant_context(tenant_a):
        ApiKey.objects.filter(prefix=plain.split(".")[0]).get().delete()
    assert client_a.get("/api/me", **api_key_header(plain)).status_code == 401


def test_a_wrong_secret_with_a_cached_prefix_is_401(client_a, tenant_a, key_factory):
    plain = key_factory(tenant_a, ["pages:read"])
    assert client_a.get("/api/me", **api_key_header(plain)).status_code == 200
    prefix = plain.split(".")[0]
    assert client_a.get("/api/me", **api_key_header(f"{prefix}.not-the-secret")).status_code == 401


def test_last_used_is_written_once_a_minute(client_a, tenant_a, key_factory, django_assert_num_queries):
    plain = key_factory(tenant_a, ["pages:read"])
    assert client_a.get("/api/me", **api_key_header(plain)).status_code == 200
    with tenant_context(tenant_a):
        used = ApiKey.objects.get(prefix=plain.split(".")[0]).last_used_at
    assert used is not None
    with django_assert_num_queries(0):  # cached key, and this minute's use is recorded
        assert client_a.get("/api/me", **api_key_header(plain)).status_code == 200


def test_a_verified_token_kept_by_the_process_still_expires(client_a, tenant_a, editor_a):
    """Verified tokens are kept per process by their text: expiry is still checked on use."""
    import time
    from datetime import timedelta

    from rest_framework_simplejwt.tokens import RefreshToken

    from api.services import _tenant_token

    with tenant_context(tenant_a):
        refresh = _tenant_token(_user(tenant_a, editor_a["username"]))
    access = refresh.access_token
    access.set_exp(lifetime=timedelta(seconds=2))
    assert isinstance(refresh, RefreshToken)
    assert client_a.get("/api/me", **bearer(str(access))).status_code == 200  # verified and kept
    time.sleep(3)
    response = client_a.get("/api/me", **bearer(str(access)))
    assert response.status_code == 401
    assert response.json()["detail"] == auth.TOKEN_INVALID


def test_api_calls_skip_the_session_layers_but_keep_the_security_headers(client_a, tenant_a, tokens_a, editor_a):
    """api.middleware answers before sessions, CSRF, auth and messages: a staff session
    cookie still elevates nothing, and the security middleware's headers are there."""
    with tenant_context(tenant_a):
        assert client_a.login(username=editor_a["username"], password=editor_a["password"])
    anonymous = client_a.get("/api/pages")  # the editor's session cookie alone
    assert anonymous.status_code == 401
    response = client_a.get("/api/me", **bearer(tokens_a["access"]))
    assert response.status_code == 200
    assert response.json()["username"] == editor_a["username"]
    assert int(response["Content-Length"]) == len(response.content)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in response  # no session work
    assert client_a.get("/api/no-such-thing", **bearer(tokens_a["access"])).status_code == 404
