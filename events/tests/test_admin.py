"""The tenant admin: history of deliveries and conversion events (status, attempts,
last error), replay, and a Meta access token that is never shown back."""

from django_tenants.utils import schema_context

from events.models import ConversionEvent, MetaDestination, Scheme, WebhookEndpoint, WebhookEvent


def _login(client, creds):
    """Through the login form: the user lives in the tenant's schema."""
    client.get("/admin/login/")
    assert client.post("/admin/login/?next=/admin/", creds).status_code == 302


def _failed_delivery(schema, event_id="evt_failed"):
    with schema_context(schema):
        endpoint = WebhookEndpoint.objects.create(name="Stripe", slug="stripe", scheme=Scheme.STRIPE, secrets="s")
        return WebhookEvent.objects.create(
            endpoint=endpoint,
            provider_event_id=event_id,
            event_type="checkout.session.completed",
            body=b"{}",
            status="failed",
            attempts=8,
            last_error="KeyError: 'created'",
        )


def test_delivery_list_shows_status_attempts_and_last_error(tenant_a, client_a, editor_a):
    _failed_delivery("alpha")
    _login(client_a, editor_a)
    response = client_a.get("/admin/events/webhookevent/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "evt_failed" in html
    assert "KeyError: &#x27;created&#x27;" in html
    assert ">failed<" in html
    assert ">8<" in html


def test_replay_puts_the_delivery_back_and_sends_it(tenant_a, client_a, editor_a, django_capture_on_commit_callbacks):
    event = _failed_delivery("alpha")
    _login(client_a, editor_a)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_a.post(
            "/admin/events/webhookevent/", {"action": "replay", "_selected_action": [event.pk]}, follow=True
        )
    assert response.status_code == 200
    with schema_context("alpha"):
        event.refresh_from_db()
    assert (event.status, event.last_error) == ("pending", "")
    assert len(callbacks) == 1  # the task send, after commit


def test_conversion_list_shows_metas_error(tenant_a, client_a, editor_a):
    with schema_context("alpha"):
        ConversionEvent.objects.create(
            event_name="Purchase",
            event_id="order-9",
            event_time=1,
            action_source="website",
            status="rejected",
            attempts=1,
            last_error='HTTP 400: {"error": {"message": "Invalid parameter"}}',
        )
    _login(client_a, editor_a)
    html = client_a.get("/admin/events/conversionevent/").content.decode()
    assert "order-9" in html and "Invalid parameter" in html and "rejected by Meta" in html


def test_access_token_is_never_shown_back_and_kept_when_left_empty(tenant_a, client_a, editor_a):
    with schema_context("alpha"):
        dest = MetaDestination.objects.create(pixel_id="111", access_token="EAAB-secret-token")
    _login(client_a, editor_a)
    url = f"/admin/events/metadestination/{dest.pk}/change/"
    assert "EAAB-secret-token" not in client_a.get(url).content.decode()
    data = {
        "pixel_id": "222",
        "access_token": "",
        "api_version": "v21.0",
        "test_event_code": "TEST123",
        "base_url": "https://graph.facebook.com",
        "is_active": "on",
    }
    response = client_a.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    with schema_context("alpha"):
        dest.refresh_from_db()
    assert (dest.pixel_id, dest.access_token, dest.test_event_code) == ("222", "EAAB-secret-token", "TEST123")


def test_admin_of_tenant_b_does_not_see_tenant_a_deliveries(tenant_a, tenant_b, client_b, editor_b):
    _failed_delivery("alpha", "evt_only_alpha")
    _login(client_b, editor_b)
    assert "evt_only_alpha" not in client_b.get("/admin/events/webhookevent/").content.decode()


def test_secret_removed_in_the_admin_stops_verifying_at_once(
    tenant_a, client_a, editor_a, django_capture_on_commit_callbacks
):
    import json

    from events.tests.utils import stripe_headers

    with schema_context("alpha"):
        endpoint = WebhookEndpoint.objects.create(
            name="Stripe", slug="stripe", scheme=Scheme.STRIPE, secrets="old\nnew"
        )
    body = json.dumps({"id": "evt_a", "type": "x"}).encode()
    post = client_a.post  # the endpoint is now cached
    assert post("/api/webhooks/stripe/", body, "application/json", **stripe_headers(body, ["old"])).status_code == 202
    _login(client_a, editor_a)
    form = {"name": "Stripe", "slug": "stripe", "scheme": "stripe", "secrets": "new", "is_active": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(f"/admin/events/webhookendpoint/{endpoint.pk}/change/", form)
    assert response.status_code == 302
    body = json.dumps({"id": "evt_b", "type": "x"}).encode()
    assert post("/api/webhooks/stripe/", body, "application/json", **stripe_headers(body, ["old"])).status_code == 401
    assert post("/api/webhooks/stripe/", body, "application/json", **stripe_headers(body, ["new"])).status_code == 202
