"""POST /api/events through the URLconf: who may send, what is refused (with the
index and field of each error), what is stored (hashes only), and deduplication."""

import hashlib
import json
import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django_tenants.utils import schema_context, tenant_context

from api.routers.events import ERROR_PERMISSION
from events.models import ConversionEvent
from events.normalise import ERROR_UNKNOWN_FIELD
from events.validation import (
    ERROR_EVENT_TIME_FUTURE,
    ERROR_EVENT_TIME_OLD,
    ERROR_NO_IDENTIFIER,
    ERROR_REQUIRED,
    ERROR_WEBSITE_NEEDS,
)

PASSWORD = "sender-pass-5521"


def _sha(value):
    return hashlib.sha256(value.encode()).hexdigest()


def _event(i=0, **overrides):
    event = {
        "event_name": "Purchase",
        "event_id": f"order-{i}",
        "event_time": int(time.time()) - 60,
        "action_source": "website",
        "event_source_url": "https://alpha.example/checkout",
        "user_data": {
            "em": "  Jane.Doe@Example.COM ",
            "ph": "+1 (650) 555-0123",
            "fn": "Jane",
            "ln": "Doe-Smith",
            "ge": "Female",
            "db": "1990-02-28",
            "ct": "San Francisco",
            "st": "CA",
            "zp": "94025",
            "country": "US",
            "external_id": "user-42",
            "client_ip_address": "203.0.113.7",
            "client_user_agent": "Mozilla/5.0",
            "fbc": "fb.1.1554763741205.AbCdEf",
            "fbp": "fb.1.1558571054389.1098115397",
        },
        "custom_data": {"currency": "usd", "value": 12.5},
    }
    event.update(overrides)
    return event


def _key(tenant, scopes):
    from api.services import api_key_create

    with tenant_context(tenant):
        _, plain = api_key_create(name="partner", scopes=scopes)
    return {"HTTP_AUTHORIZATION": f"Api-Key {plain}"}


def _jwt(client, username, password):
    response = client.post("/api/auth/token", {"username": username, "password": password}, "application/json")
    assert response.status_code == 200, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['access']}"}


def _user(tenant, codenames):
    with tenant_context(tenant):
        user = get_user_model().objects.create_user(username="sender", password=PASSWORD)
        user.user_permissions.set(Permission.objects.filter(codename__in=codenames))


def _send(client, events, auth):
    return client.post("/api/events", {"data": events}, "application/json", **auth)


def _stored(schema):
    with schema_context(schema):
        return list(ConversionEvent.objects.order_by("event_id"))


def test_api_key_with_events_write_stores_only_hashes(tenant_a, client_a):
    response = _send(client_a, [_event(0), _event(1)], _key(tenant_a, ["events:write"]))
    assert response.status_code == 202, response.content
    assert response.json()["events_received"] == 2
    row = _stored("alpha")[0]
    user_data = row.user_data
    assert user_data["em"] == _sha("jane.doe@example.com")
    assert user_data["ph"] == _sha("16505550123")
    assert user_data["fn"] == _sha("jane")
    assert user_data["ln"] == _sha("doesmith")
    assert user_data["ge"] == _sha("f")
    assert user_data["db"] == _sha("19900228")
    assert user_data["ct"] == _sha("sanfrancisco")
    assert user_data["st"] == _sha("ca")
    assert user_data["zp"] == _sha("94025")
    assert user_data["country"] == _sha("us")
    assert user_data["external_id"] == _sha("user-42")
    # Meta wants these four in clear.
    assert user_data["client_ip_address"] == "203.0.113.7"
    assert user_data["client_user_agent"] == "Mozilla/5.0"
    assert user_data["fbc"].startswith("fb.1.")
    assert user_data["fbp"].startswith("fb.1.")
    stored = json.dumps([r.to_meta() for r in _stored("alpha")]).lower()
    for plain in ("jane", "doe", "650", "francisco", "1990", "user-42"):
        assert plain not in stored


def test_jwt_user_with_the_model_permission_may_send(tenant_a, client_a):
    _user(tenant_a, ["add_conversionevent"])
    response = _send(client_a, [_event()], _jwt(client_a, "sender", PASSWORD))
    assert response.status_code == 202, response.content
    assert len(_stored("alpha")) == 1


def test_jwt_user_without_the_permission_is_403_and_nothing_is_stored(tenant_a, client_a):
    _user(tenant_a, [])
    response = _send(client_a, [_event()], _jwt(client_a, "sender", PASSWORD))
    assert response.status_code == 403
    assert response.json()["detail"] == ERROR_PERMISSION
    assert _stored("alpha") == []


def test_api_key_without_the_scope_is_403(tenant_a, client_a):
    response = _send(client_a, [_event()], _key(tenant_a, ["pages:read"]))
    assert response.status_code == 403
    assert _stored("alpha") == []


def test_no_credentials_is_401(tenant_a, client_a):
    assert _send(client_a, [_event()], {}).status_code == 401


def test_key_of_tenant_a_is_refused_on_tenant_b(tenant_a, tenant_b, client_b):
    response = _send(client_b, [_event()], _key(tenant_a, ["events:write"]))
    assert response.status_code == 401
    assert _stored("beta") == []


def test_errors_name_the_event_index_and_field_and_nothing_is_stored(tenant_a, client_a):
    now = int(time.time())
    user_data_empty = _event(2, user_data={})
    events = [
        _event(0),
        _event(1, event_time=now - 8 * 24 * 3600),
        user_data_empty,
        _event(3, event_time=now + 3600),
        _event(4, event_source_url=""),
        _event(5, user_data={"email": "jane@example.com"}),
        {k: v for k, v in _event(6).items() if k != "event_name"},
    ]
    events[4]["user_data"] = {"em": "x@example.com"}
    response = _send(client_a, events, _key(tenant_a, ["events:write"]))
    assert response.status_code == 422
    errors = [(e["loc"], e["msg"]) for e in response.json()["errors"]]
    assert (["data", 1, "event_time"], ERROR_EVENT_TIME_OLD) in errors
    assert (["data", 2, "user_data"], ERROR_NO_IDENTIFIER) in errors
    assert (["data", 3, "event_time"], ERROR_EVENT_TIME_FUTURE) in errors
    assert (["data", 4, "event_source_url"], ERROR_WEBSITE_NEEDS) in errors
    assert (["data", 4, "user_data", "client_user_agent"], ERROR_WEBSITE_NEEDS) in errors
    assert (["data", 5, "user_data", "email"], ERROR_UNKNOWN_FIELD.format(field="email")) in errors
    assert (["data", 6, "event_name"], ERROR_REQUIRED) in errors
    assert not any(loc[1] == 0 for loc, _ in errors)
    assert _stored("alpha") == []


def test_already_hashed_values_are_kept_not_hashed_twice(tenant_a, client_a):
    digest = _sha("jane.doe@example.com")
    event = _event(user_data={"em": digest.upper(), "client_user_agent": "UA"})
    assert _send(client_a, [event], _key(tenant_a, ["events:write"])).status_code == 202
    assert _stored("alpha")[0].user_data["em"] == digest


def test_same_event_name_and_id_within_48h_is_stored_once(tenant_a, client_a):
    auth = _key(tenant_a, ["events:write"])
    first = _send(client_a, [_event(0), _event(0)], auth)
    again = _send(client_a, [_event(0), _event(1)], auth)
    assert first.json()["events_received"] == 1 and first.json()["duplicates"] == 1
    assert again.json()["events_received"] == 1 and again.json()["duplicates"] == 1
    assert [r.event_id for r in _stored("alpha")] == ["order-0", "order-1"]


def test_batch_over_1000_events_is_refused(tenant_a, client_a):
    response = _send(client_a, [_event(i) for i in range(1001)], _key(tenant_a, ["events:write"]))
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["data"]
    assert _stored("alpha") == []


@pytest.mark.parametrize(
    ("field", "value", "normalised"),
    [
        ("ph", "0033 6 12-34-56-78", "33612345678"),
        ("db", "19900228", "19900228"),
        ("zp", "94025-1234", "94025"),
        ("ge", "m", "m"),
        ("country", " FR ", "fr"),
    ],
)
def test_normalisation_rules(field, value, normalised):
    from events.normalise import user_data_hash

    assert user_data_hash({field: value}) == {field: _sha(normalised)}


def test_nul_characters_are_refused_not_a_500(tenant_a, client_a):
    # The API's parser refuses them before validation, at their place in the body.
    from config.json_input import TEXT_NUL

    events = [_event(0, event_id="a\x00b"), _event(1, custom_data={"note": "x\x00"})]
    response = _send(client_a, events, _key(tenant_a, ["events:write"]))
    assert response.status_code == 422
    errors = [(e["loc"], e["msg"]) for e in response.json()["errors"]]
    assert (["body", "data", 0, "event_id"], TEXT_NUL) in errors
    assert (["body", "data", 1, "custom_data", "note"], TEXT_NUL) in errors
    assert _stored("alpha") == []
