"""Deliveries stored in front of Django (events.keeper), through the WSGI application the
web servers load (config.wsgi), with two tenants: the keeper's answer is Django's, byte for
byte; everything but a new verified delivery is Django's; a changed endpoint or host is
seen on the next request. `by_keeper`: Django never saw the request."""

import json

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from config.testing import TENANT_A, TENANT_B
from events.models import Scheme, WebhookEndpoint, WebhookEvent
from events.services import webhook_endpoint_delete, webhook_endpoint_save
from events.tests.utils import (
    STANDARD_SECRET,
    STANDARD_SECRET_NEW,
    github_headers,
    standard_headers,
    stripe_headers,
    wsgi_post,
)
from tenants.routing import local_cache_clear

ALPHA, BETA = TENANT_A[2], TENANT_B[2]
SECRET_A, SECRET_B = "whsec_alpha_secret", "whsec_beta_secret"
PATH = "/api/webhooks/hooks/"


def _body(event_id: str) -> bytes:
    return json.dumps({"id": event_id, "type": "customer.created", "data": {"object": {}}}).encode()


def _sign(scheme, body: bytes, secret: str, event_id: str) -> dict:
    if scheme == Scheme.STRIPE:
        return stripe_headers(body, [secret])
    if scheme == Scheme.GITHUB:
        return github_headers(body, secret, event_id)
    return standard_headers(body, secret, event_id)


def _endpoint(schema: str, secret: str, *, scheme=Scheme.GITHUB, slug="hooks") -> WebhookEndpoint:
    with schema_context(schema):
        return WebhookEndpoint.objects.create(name=slug, slug=slug, scheme=scheme, secrets=secret)


def _rows(schema: str) -> list[tuple]:
    with schema_context(schema):
        return list(
            WebhookEvent.objects.order_by("pk").values_list("provider_event_id", "event_type", "body", "headers")
        )


def _post(host: str, event_id: str, secret: str, *, scheme=Scheme.GITHUB, path=PATH, **extra):
    body = _body(event_id)
    return wsgi_post(host, path, body, _sign(scheme, body, secret, event_id), **extra)


def _learned(host: str, secret: str, *, scheme=Scheme.GITHUB, path=PATH) -> None:
    """Django stores a first delivery (the keeper learns its answer), the keeper the next."""
    first = _post(host, "learn-1", secret, scheme=scheme, path=path)
    assert first.code == 202 and not first.by_keeper, first.body
    second = _post(host, "learn-2", secret, scheme=scheme, path=path)
    assert second.code == 202 and second.by_keeper, second.body


@pytest.mark.parametrize("scheme", list(Scheme))
def test_the_keepers_answer_and_row_are_djangos_byte_for_byte(
    scheme, tenant_a, tenant_b, settings, django_assert_max_num_queries
):
    secrets = {ALPHA: SECRET_A, BETA: SECRET_B}
    if scheme == Scheme.STANDARD:  # its secrets are base64
        secrets = {ALPHA: STANDARD_SECRET, BETA: STANDARD_SECRET_NEW}
    for host, schema in ((ALPHA, "alpha"), (BETA, "beta")):
        secret = secrets[host]
        _endpoint(schema, secret, scheme=scheme)
        _learned(host, secret, scheme=scheme)
        body = _body("same-delivery")
        headers = {**_sign(scheme, body, secret, "same-delivery"), "HTTP_USER_AGENT": "Sender/1.0"}  # kept too

        settings.EVENTS_WEBHOOK_KEEPER = False
        by_django = wsgi_post(host, PATH, body, headers)
        assert by_django.code == 202 and not by_django.by_keeper
        django_row = _rows(schema)[-1]
        with schema_context(schema):  # the same delivery again, under the same id
            WebhookEvent.objects.filter(pk=by_django.json()["id"]).delete()
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)",
                    [WebhookEvent._meta.db_table, by_django.json()["id"]],
                )

        settings.EVENTS_WEBHOOK_KEEPER = True
        with django_assert_max_num_queries(1):  # the INSERT (the endpoint is this process's copy)
            by_keeper = wsgi_post(host, PATH, body, headers)
        assert by_keeper.by_keeper
        assert by_keeper.same_bytes() == by_django.same_bytes()
        assert by_keeper.json() == {"id": by_django.json()["id"], "duplicate": False}
        assert _rows(schema)[-1] == django_row and bytes(django_row[2]) == body
        assert django_row[3]["User-Agent"] == "Sender/1.0"


def test_another_tenants_secret_never_verifies_and_a_slug_is_looked_up_in_the_hosts_tenant(tenant_a, tenant_b):
    _endpoint("alpha", SECRET_A)
    _endpoint("beta", SECRET_B)
    _endpoint("alpha", SECRET_A, slug="alpha-only")
    _learned(ALPHA, SECRET_A)
    _learned(BETA, SECRET_B)
    _learned(ALPHA, SECRET_A, path="/api/webhooks/alpha-only/")
    alpha, beta = _rows("alpha"), _rows("beta")

    refused = _post(ALPHA, "from-beta", SECRET_B)  # beta's secret on alpha's endpoint
    assert refused.code == 401 and not refused.by_keeper
    assert refused.json()["errors"][0]["loc"] == ["header"]
    missing = _post(BETA, "alpha-slug", SECRET_A, path="/api/webhooks/alpha-only/")  # alpha's slug on beta's host
    assert missing.code == 404 and not missing.by_keeper
    assert missing.json()["errors"][0]["loc"] == ["path", "slug"]
    assert (_rows("alpha"), _rows("beta")) == (alpha, beta)

    # One delivery id in both tenants: each stored in its own schema by the keeper.
    for host, secret in ((ALPHA, SECRET_A), (BETA, SECRET_B)):
        stored = _post(host, "both", secret)
        assert stored.code == 202 and stored.by_keeper
    assert _rows("alpha")[-1][0] == _rows("beta")[-1][0] == "both"
    assert (len(_rows("alpha")), len(_rows("beta"))) == (len(alpha) + 1, len(beta) + 1)


def _without(headers: dict, name: str) -> dict:
    return {key: value for key, value in headers.items() if key != name}


def _refusals(settings) -> dict:
    """Requests the keeper leaves to Django, each with what it sends."""
    good = _body("evt-ok")
    not_json = b"not json"
    return {
        "missing signature": (good, {"HTTP_X_GITHUB_DELIVERY": "evt-ok"}, {}),
        "bad signature": (good, github_headers(good, "not-the-secret", "evt-bad"), {}),
        "signed but not JSON": (not_json, github_headers(not_json, SECRET_A, "evt-nj"), {}),
        "no delivery id": (good, _without(github_headers(good, SECRET_A, "x"), "HTTP_X_GITHUB_DELIVERY"), {}),
        "duplicate": (_body("learn-2"), github_headers(_body("learn-2"), SECRET_A, "learn-2"), {}),
        "over the size limit": (
            b"x" * (settings.EVENTS_WEBHOOK_MAX_BYTES + 1),
            github_headers(b"x" * (settings.EVENTS_WEBHOOK_MAX_BYTES + 1), SECRET_A, "evt-big"),
            {},
        ),
    }


def test_every_refusal_is_djangos_answer_with_the_keeper_on_or_off(tenant_a, tenant_b, settings):
    _endpoint("alpha", SECRET_A)
    _learned(ALPHA, SECRET_A)
    rows = _rows("alpha")
    for name, (body, headers, extra) in _refusals(settings).items():
        answers = []
        for keeper in (False, True):
            settings.EVENTS_WEBHOOK_KEEPER = keeper
            answer = wsgi_post(ALPHA, PATH, body, headers, **extra)
            assert not answer.by_keeper, name
            answers.append(answer.same_bytes())
        assert answers[0] == answers[1], name
        assert answers[0][0][:3] in ("400", "401", "413", "200"), (name, answers[0])
    assert _rows("alpha") == rows and _rows("beta") == []


def test_a_query_string_an_unknown_slug_and_another_method_are_djangos(tenant_a, settings):
    _endpoint("alpha", SECRET_A)
    _learned(ALPHA, SECRET_A)
    with_query = _post(ALPHA, "evt-q", SECRET_A, QUERY_STRING="x=1")
    assert with_query.code == 202 and not with_query.by_keeper
    unknown = _post(ALPHA, "evt-u", SECRET_A, path="/api/webhooks/nobody/")
    assert unknown.code == 404 and not unknown.by_keeper
    again = _post(ALPHA, "evt-u2", SECRET_A, path="/api/webhooks/nobody/")
    assert again.code == 404 and not again.by_keeper  # a 404 teaches nothing
    settings.EVENTS_WEBHOOK_KEEPER = False
    off = _post(ALPHA, "evt-off", SECRET_A)
    assert off.code == 202 and not off.by_keeper


def test_a_secret_removed_through_the_service_stops_verifying_on_the_next_request(tenant_a, tenant_b):
    endpoint = _endpoint("alpha", f"{SECRET_A}\nrotated")
    _endpoint("beta", SECRET_B)
    _learned(ALPHA, SECRET_A)
    _learned(BETA, SECRET_B)
    with schema_context("alpha"):
        endpoint.secrets = "rotated"
        webhook_endpoint_save(endpoint=endpoint)
    refused = _post(ALPHA, "evt-old", SECRET_A)
    assert refused.code == 401 and not refused.by_keeper
    stored = _post(ALPHA, "evt-new", "rotated")
    assert stored.code == 202 and stored.by_keeper
    assert _post(BETA, "evt-beta", SECRET_B).by_keeper  # beta's endpoint untouched
    assert "evt-old" not in [row[0] for row in _rows("alpha")]


def test_an_endpoint_changed_by_another_process_is_seen_by_the_next_delivery(tenant_a, tenant_b):
    """A queryset update leaves this process's copy as it was (as another process's save
    would): the INSERT refuses to store with it, and Django answers from the row."""
    _endpoint("alpha", SECRET_A)
    _endpoint("beta", SECRET_B)
    _learned(ALPHA, SECRET_A)
    _learned(BETA, SECRET_B)
    with schema_context("alpha"):
        WebhookEndpoint.objects.filter(slug="hooks").update(secrets="elsewhere")
    refused = _post(ALPHA, "evt-stale", SECRET_A)
    assert refused.code == 401 and not refused.by_keeper
    assert _post(ALPHA, "evt-fresh", "elsewhere").by_keeper
    with schema_context("alpha"):
        WebhookEndpoint.objects.filter(slug="hooks").update(is_active=False)
    inactive = _post(ALPHA, "evt-inactive", "elsewhere")
    assert inactive.code == 404 and not inactive.by_keeper
    assert {"evt-stale", "evt-inactive"}.isdisjoint(row[0] for row in _rows("alpha"))
    assert _post(BETA, "evt-beta", SECRET_B).by_keeper


def test_a_deleted_endpoint_is_a_404_on_the_next_request(tenant_a, tenant_b):
    endpoint = _endpoint("alpha", SECRET_A)
    _endpoint("beta", SECRET_B)
    _learned(ALPHA, SECRET_A)
    _learned(BETA, SECRET_B)
    with schema_context("alpha"):
        WebhookEvent.objects.all().delete()  # deliveries protect their endpoint
        webhook_endpoint_delete(endpoint=endpoint)
    gone = _post(ALPHA, "evt-gone", SECRET_A)
    assert gone.code == 404 and not gone.by_keeper
    assert _rows("alpha") == []
    assert _post(BETA, "evt-beta", SECRET_B).by_keeper


def test_a_host_entry_refreshed_sends_the_next_request_to_django_which_teaches_it_again(tenant_a):
    _endpoint("alpha", SECRET_A)
    _learned(ALPHA, SECRET_A)
    local_cache_clear()  # what an expiry, a domain or tenant change does to this process's entry
    after = _post(ALPHA, "evt-after", SECRET_A)
    assert after.code == 202 and not after.by_keeper
    assert _post(ALPHA, "evt-again", SECRET_A).by_keeper
