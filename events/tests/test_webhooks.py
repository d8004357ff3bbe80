"""Inbound webhooks through the URLconf: each signature scheme, valid and refused,
rotation, duplicates, limits, and two tenants. Refused requests store nothing."""

import json
import time

import pytest
from django_tenants.utils import schema_context

from api.errors import BODY_TOO_LARGE
from events.models import Scheme, WebhookEndpoint, WebhookEvent
from events.services import ERROR_UNKNOWN_ENDPOINT, webhook_endpoint_save
from events.signatures import ERROR_BAD_SIGNATURE, ERROR_BODY_NOT_JSON, ERROR_STALE_TIMESTAMP
from events.tests.utils import (
    STANDARD_SECRET,
    STANDARD_SECRET_NEW,
    github_headers,
    standard_headers,
    stripe_headers,
)

OLD, NEW = "whsec_old_secret", "whsec_new_secret"


def _endpoint(schema, scheme, secrets, slug="hooks"):
    with schema_context(schema):
        return WebhookEndpoint.objects.create(name=slug, slug=slug, scheme=scheme, secrets="\n".join(secrets))


def _count(schema):
    with schema_context(schema):
        return WebhookEvent.objects.count()


def _post(client, body, headers, slug="hooks"):
    return client.post(f"/api/webhooks/{slug}/", data=body, content_type="application/json", **headers)


def _sign(scheme, body, secret, *, t=None, event_id="evt_1"):
    if scheme == Scheme.STRIPE:
        return stripe_headers(body, [secret], t)
    if scheme == Scheme.GITHUB:
        return github_headers(body, secret, event_id)
    return standard_headers(body, secret, event_id, t)


SECRETS = {
    Scheme.STRIPE: (OLD, NEW),
    Scheme.GITHUB: (OLD, NEW),
    Scheme.STANDARD: (STANDARD_SECRET, STANDARD_SECRET_NEW),
}
BODY = json.dumps({"id": "evt_1", "type": "customer.created", "data": {"object": {}}}).encode()


@pytest.mark.parametrize("scheme", list(Scheme))
def test_valid_signature_stores_the_raw_body_and_answers_202(scheme, tenant_a, client_a):
    _endpoint("alpha", scheme, [SECRETS[scheme][0]])
    response = _post(client_a, BODY, _sign(scheme, BODY, SECRETS[scheme][0]))
    assert response.status_code == 202, response.content
    with schema_context("alpha"):
        event = WebhookEvent.objects.get()
    assert bytes(event.body) == BODY
    assert event.provider_event_id == "evt_1"
    assert event.status == "pending"


@pytest.mark.parametrize("scheme", list(Scheme))
def test_tampered_body_is_refused_and_not_stored(scheme, tenant_a, client_a):
    _endpoint("alpha", scheme, [SECRETS[scheme][0]])
    headers = _sign(scheme, BODY, SECRETS[scheme][0])
    response = _post(client_a, BODY.replace(b"customer.created", b"customer.deleted"), headers)
    assert response.status_code == 401
    assert response.json()["detail"] == ERROR_BAD_SIGNATURE
    assert _count("alpha") == 0


@pytest.mark.parametrize("scheme", list(Scheme))
def test_wrong_secret_is_refused_and_not_stored(scheme, tenant_a, client_a):
    _endpoint("alpha", scheme, [SECRETS[scheme][0]])
    response = _post(client_a, BODY, _sign(scheme, BODY, SECRETS[scheme][1]))
    assert response.status_code == 401
    assert _count("alpha") == 0


@pytest.mark.parametrize("scheme", [Scheme.STRIPE, Scheme.STANDARD])
def test_stale_timestamp_is_refused_even_with_a_valid_signature(scheme, tenant_a, client_a):
    _endpoint("alpha", scheme, [SECRETS[scheme][0]])
    stale = int(time.time()) - 301
    response = _post(client_a, BODY, _sign(scheme, BODY, SECRETS[scheme][0], t=stale))
    assert response.status_code == 401
    assert response.json()["detail"] == ERROR_STALE_TIMESTAMP
    assert _count("alpha") == 0


def test_github_has_no_timestamp_so_a_replayed_delivery_is_a_duplicate(tenant_a, client_a):
    """GitHub signs no timestamp: a replay is caught by its delivery id instead."""
    _endpoint("alpha", Scheme.GITHUB, [OLD])
    headers = _sign(Scheme.GITHUB, BODY, OLD, event_id="delivery-1")
    assert _post(client_a, BODY, headers).status_code == 202
    assert _post(client_a, BODY, headers).status_code == 200
    assert _count("alpha") == 1


@pytest.mark.parametrize("scheme", list(Scheme))
def test_rotation_accepts_old_and_new_secret_while_both_are_listed(
    scheme, tenant_a, client_a, django_capture_on_commit_callbacks
):
    old, new = SECRETS[scheme]
    _endpoint("alpha", scheme, [old, new])
    body_2 = BODY.replace(b"evt_1", b"evt_2")
    assert _post(client_a, BODY, _sign(scheme, BODY, old, event_id="evt_1")).status_code == 202
    assert _post(client_a, body_2, _sign(scheme, body_2, new, event_id="evt_2")).status_code == 202
    with schema_context("alpha"):  # rotation finished: the old one is removed (as the admin does)
        endpoint = WebhookEndpoint.objects.get()
        endpoint.secrets = new
        with django_capture_on_commit_callbacks(execute=True):  # drops the cached endpoint
            webhook_endpoint_save(endpoint=endpoint)
    body_3 = BODY.replace(b"evt_1", b"evt_3")
    assert _post(client_a, body_3, _sign(scheme, body_3, old, event_id="evt_3")).status_code == 401
    assert _count("alpha") == 2


def test_stripe_header_with_several_v1_signatures_verifies_on_any(tenant_a, client_a):
    _endpoint("alpha", Scheme.STRIPE, [NEW])
    assert _post(client_a, BODY, stripe_headers(BODY, [OLD, NEW])).status_code == 202


@pytest.mark.parametrize("scheme", list(Scheme))
def test_duplicate_delivery_answers_200_and_is_stored_once(scheme, tenant_a, client_a):
    _endpoint("alpha", scheme, [SECRETS[scheme][0]])
    first = _post(client_a, BODY, _sign(scheme, BODY, SECRETS[scheme][0]))
    again = _post(client_a, BODY, _sign(scheme, BODY, SECRETS[scheme][0]))
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json() == {"id": first.json()["id"], "duplicate": True}
    assert _count("alpha") == 1


def test_signed_body_that_is_not_json_is_400_and_not_stored(tenant_a, client_a):
    _endpoint("alpha", Scheme.STRIPE, [OLD])
    body = b"not json"
    response = _post(client_a, body, stripe_headers(body, [OLD]))
    assert response.status_code == 400
    assert response.json()["detail"] == ERROR_BODY_NOT_JSON
    assert _count("alpha") == 0


def test_missing_signature_is_401(tenant_a, client_a):
    _endpoint("alpha", Scheme.STRIPE, [OLD])
    assert _post(client_a, BODY, {}).status_code == 401
    assert _count("alpha") == 0


def test_body_over_the_limit_is_413_and_not_stored(tenant_a, client_a, settings):
    settings.EVENTS_WEBHOOK_MAX_BYTES = 1024
    _endpoint("alpha", Scheme.STRIPE, [OLD])
    body = json.dumps({"id": "evt_big", "type": "x", "pad": "x" * 2000}).encode()
    response = _post(client_a, body, stripe_headers(body, [OLD]))
    assert response.status_code == 413
    assert response.json()["detail"] == BODY_TOO_LARGE.format(limit=1024)
    assert _count("alpha") == 0


def test_unknown_endpoint_is_404(tenant_a, client_a):
    response = _post(client_a, BODY, stripe_headers(BODY, [OLD]), slug="nope")
    assert response.status_code == 404
    assert response.json()["detail"] == ERROR_UNKNOWN_ENDPOINT


def test_secret_of_tenant_a_does_not_verify_on_tenant_b(tenant_a, tenant_b, client_a, client_b):
    _endpoint("alpha", Scheme.STRIPE, ["whsec_alpha"])
    _endpoint("beta", Scheme.STRIPE, ["whsec_beta"])
    headers = stripe_headers(BODY, ["whsec_alpha"])
    assert _post(client_b, BODY, headers).status_code == 401
    assert _post(client_a, BODY, headers).status_code == 202
    assert (_count("alpha"), _count("beta")) == (1, 0)


def test_endpoint_of_tenant_a_is_unknown_on_tenant_b(tenant_a, tenant_b, client_b):
    _endpoint("alpha", Scheme.STRIPE, [OLD], slug="only-alpha")
    assert _post(client_b, BODY, stripe_headers(BODY, [OLD]), slug="only-alpha").status_code == 404


def test_signed_event_id_with_a_nul_character_is_400_not_a_500(tenant_a, client_a):
    _endpoint("alpha", Scheme.STRIPE, [OLD])
    body = json.dumps({"id": "evt_\u0000", "type": "x"}).encode()
    assert _post(client_a, body, stripe_headers(body, [OLD])).status_code == 400
    assert _count("alpha") == 0


@pytest.mark.parametrize("scheme", list(Scheme))
def test_secret_changed_by_another_process_is_seen_on_the_next_delivery(scheme, tenant_a, client_a):
    """This process keeps its copy of the endpoint; another process (here: a plain UPDATE,
    no service, so nothing drops the copy) rotates the secrets. The old secret stops
    verifying and the new one verifies on the very next delivery, and nothing refused is
    stored."""
    old, new = SECRETS[scheme]
    _endpoint("alpha", scheme, [old])
    assert _post(client_a, BODY, _sign(scheme, BODY, old, event_id="evt_1")).status_code == 202  # copy made
    with schema_context("alpha"):
        WebhookEndpoint.objects.update(secrets=new)
    body_2 = BODY.replace(b"evt_1", b"evt_2")
    assert _post(client_a, body_2, _sign(scheme, body_2, old, event_id="evt_2")).status_code == 401
    assert _count("alpha") == 1
    body_3 = BODY.replace(b"evt_1", b"evt_3")
    assert _post(client_a, body_3, _sign(scheme, body_3, new, event_id="evt_3")).status_code == 202
    with schema_context("alpha"):
        WebhookEndpoint.objects.update(secrets=f"{new}\n{old}")  # a secret added elsewhere verifies at once
    body_4 = BODY.replace(b"evt_1", b"evt_4")
    assert _post(client_a, body_4, _sign(scheme, body_4, old, event_id="evt_4")).status_code == 202
    assert _count("alpha") == 3


def test_endpoint_deactivated_by_another_process_is_404_at_once(tenant_a, client_a):
    _endpoint("alpha", Scheme.GITHUB, [OLD])
    assert _post(client_a, BODY, _sign(Scheme.GITHUB, BODY, OLD, event_id="d-1")).status_code == 202
    with schema_context("alpha"):
        WebhookEndpoint.objects.update(is_active=False)
    response = _post(client_a, BODY, _sign(Scheme.GITHUB, BODY, OLD, event_id="d-2"))
    assert response.status_code == 404 and response.json()["detail"] == ERROR_UNKNOWN_ENDPOINT
    assert _count("alpha") == 1


def test_a_delivery_is_one_insert_once_the_endpoint_is_known(tenant_a, client_a, django_assert_max_num_queries):
    """The ingest hot path: no endpoint read (this process's copy), no savepoint, no
    duplicate check: one INSERT (plus django-tenants' search_path)."""
    _endpoint("alpha", Scheme.GITHUB, [OLD])
    assert _post(client_a, BODY, _sign(Scheme.GITHUB, BODY, OLD, event_id="q-1")).status_code == 202
    with django_assert_max_num_queries(2) as captured:
        assert _post(client_a, BODY, _sign(Scheme.GITHUB, BODY, OLD, event_id="q-2")).status_code == 202
    statements = [q["sql"] for q in captured.captured_queries]
    assert sum(s.lstrip().startswith("INSERT") for s in statements) == 1, statements
    assert _count("alpha") == 2


def test_two_tenants_with_the_same_slug_keep_separate_copies(tenant_a, tenant_b, client_a, client_b):
    _endpoint("alpha", Scheme.STRIPE, ["whsec_alpha"])
    _endpoint("beta", Scheme.STRIPE, ["whsec_beta"])
    for _ in range(2):  # the second round is served from each process copy
        assert _post(client_a, BODY, stripe_headers(BODY, ["whsec_beta"])).status_code == 401
        assert _post(client_b, BODY, stripe_headers(BODY, ["whsec_alpha"])).status_code == 401
    assert _post(client_a, BODY, stripe_headers(BODY, ["whsec_alpha"])).status_code == 202
    assert _post(client_b, BODY, stripe_headers(BODY, ["whsec_beta"])).status_code == 202
    assert (_count("alpha"), _count("beta")) == (1, 1)
