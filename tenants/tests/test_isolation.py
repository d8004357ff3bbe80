from django.contrib.auth import get_user_model
from django.core.cache import cache
from django_tenants.utils import tenant_context


def _admin_login(client, credentials):
    client.get("/admin/login/")
    return client.post("/admin/login/?next=/admin/", credentials)


def test_editor_logs_in_to_own_admin(client_a, editor_a):
    response = _admin_login(client_a, editor_a)
    assert response.status_code == 302
    assert client_a.get("/admin/").status_code == 200


def test_editor_cannot_log_in_to_other_tenants_admin(client_b, editor_a):
    response = _admin_login(client_b, editor_a)
    assert response.status_code == 200  # the form again, with an error
    assert "Please enter the correct" in response.text
    assert client_b.get("/admin/").status_code == 302


def test_session_of_one_tenant_is_not_valid_on_another(client_a, client_b, editor_a):
    _admin_login(client_a, editor_a)
    client_b.cookies = client_a.cookies  # a stolen or mis-scoped cookie
    assert client_b.get("/admin/").status_code == 302


def test_session_and_csrf_cookies_are_host_only(client_a, editor_a):
    response = _admin_login(client_a, editor_a)
    assert response.cookies["sessionid"]["domain"] == ""
    assert client_a.cookies["csrftoken"]["domain"] == ""


def test_row_written_in_a_is_absent_in_b(tenant_a, tenant_b):
    User = get_user_model()
    with tenant_context(tenant_a):
        User.objects.create_user("only-in-a")
        assert User.objects.filter(username="only-in-a").exists()
    with tenant_context(tenant_b):
        assert not User.objects.filter(username="only-in-a").exists()


def test_cache_entry_set_in_a_is_not_read_in_b(tenant_a, tenant_b):
    with tenant_context(tenant_a):
        cache.set("greeting", "hello from a")
    with tenant_context(tenant_b):
        assert cache.get("greeting") is None
        cache.set("greeting", "hello from b")
    with tenant_context(tenant_a):
        assert cache.get("greeting") == "hello from a"


def test_tenant_admin_does_not_list_tenants(client_a, editor_a):
    _admin_login(client_a, editor_a)
    index = client_a.get("/admin/").text
    assert "tenants/tenant" not in index
    assert client_a.get("/admin/tenants/tenant/").status_code == 404
