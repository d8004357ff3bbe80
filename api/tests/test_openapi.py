"""The OpenAPI documents: checked in, compared with what is served, and held to by the API
for well over a thousand generated requests (schemathesis, authenticated, in-process WSGI).

After an intended API change, rewrite the snapshots with
`API_OPENAPI_UPDATE=1 bin/test api/tests/test_openapi.py` and review the diff.
"""

import json
import os
from contextlib import contextmanager
from pathlib import Path

import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.tests.conftest import bearer, token_pair

API_DIR = Path(__file__).resolve().parent.parent
SNAPSHOTS = {"tenant": API_DIR / "openapi.json", "platform": API_DIR / "openapi-platform.json"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


# Where a negative case's invalid part cannot reach the API as generated: the run sends its own
# Authorization header over the generated one, and unknown query parameters are ignored (as
# most HTTP APIs do), so a case invalid only there is a valid request.
_NOT_SENT_AS_GENERATED = {ParameterLocation.HEADER, ParameterLocation.QUERY}


@schemathesis.check
def negative_data_refused(ctx, response, case):
    """schemathesis' negative_data_rejection, with 413 (a body over API_MAX_BODY_BYTES, which
    the generator sometimes builds) counted as a refusal too, and cases whose only negative
    parts are headers or query parameters that are not sent as generated (see above)."""
    if response.status_code == 413:
        return None
    meta = case.meta
    negative = {
        location
        for location, info in (meta.components.items() if meta is not None else ())
        if info.mode == GenerationMode.NEGATIVE
    }
    if negative and negative <= _NOT_SENT_AS_GENERATED and case.query and _only_unknown_query_invalid(case):
        return None
    return negative_data_rejection(ctx, response, case)


def _only_unknown_query_invalid(case) -> bool:
    """The query is valid once the parameters the operation does not declare are left out."""
    declared = {parameter.name for parameter in case.operation.query}
    known = {key: value for key, value in case.query.items() if key in declared}
    validator = case.operation.schema.adapter.jsonschema_validator_cls
    return case._validate_component(ParameterLocation.QUERY, known, validator)


# Per operation and generation mode; ~20 operations x 2 modes x 30 gives ~1,200 cases.
EXAMPLES = int(os.environ.get("API_SCHEMATHESIS_EXAMPLES", "30"))
MIN_CASES = 1000
PLATFORM_EXAMPLES = int(os.environ.get("API_SCHEMATHESIS_PLATFORM_EXAMPLES", "8"))


def _snapshot_check(name: str, served: dict) -> None:
    path = SNAPSHOTS[name]
    if os.environ.get("API_OPENAPI_UPDATE"):
        path.write_text(json.dumps(served, indent=2, sort_keys=True) + "\n")
    assert path.exists(), f"{path} is missing: run API_OPENAPI_UPDATE=1 bin/test api/tests/test_openapi.py"
    assert json.loads(path.read_text()) == served, (
        f"The served OpenAPI document differs from {path.name}: if the change is intended, run "
        "API_OPENAPI_UPDATE=1 bin/test api/tests/test_openapi.py and commit the new file."
    )


def test_tenant_openapi_matches_the_snapshot(client_a):
    _snapshot_check("tenant", client_a.get("/api/openapi.json").json())


def test_platform_openapi_matches_the_snapshot(public_client):
    _snapshot_check("platform", public_client.get("/api/openapi.json").json())


def test_docs_page_is_served(client_a):
    response = client_a.get("/api/docs")
    assert response.status_code == 200
    assert "openapi.json" in response.text


def test_every_operation_documents_its_errors_as_problems(client_a):
    document = client_a.get("/api/openapi.json").json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation.get("operationId"), (method, path)
            for status in ("401", "403", "404", "413", "422", "429"):
                content = operation["responses"][status]["content"]
                assert content == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def test_blocks_are_published_as_a_union_discriminated_by_type(client_a):
    document = client_a.get("/api/openapi.json").json()
    blocks = document["components"]["schemas"]["PageIn"]["properties"]["blocks"]["items"]
    assert blocks["discriminator"]["propertyName"] == "type"
    assert {"heading", "paragraph", "image", "hero"} <= set(blocks["discriminator"]["mapping"])


@contextmanager
def _connection_kept():
    """Django's real WSGI handler runs in-process on the test's transaction: like Django's
    test client, it must not close the connection around each request
    (close_old_connections would abort the test transaction). Enter it after any use of the
    test client, which reconnects the signal when it is done."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# schemathesis draws strings from UTF-8 encodable characters (never a lone surrogate) and
# seldom draws NUL, the two a database cannot store: one generated case in four gets one
# of these put into one of its strings. Query strings travel as UTF-8: NUL only there.
HOSTILE_CHARACTERS = ("\x00", "\ud800", "\udfff")


def _string_places(value, loc=()):
    if isinstance(value, str):
        yield loc
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        yield from _string_places(item, (*loc, key))


def _injected(value, loc: tuple, character: str):
    if not loc:
        return value[: len(value) // 2] + character + value[len(value) // 2 :]
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[loc[0]] = _injected(copy[loc[0]], loc[1:], character)
    return copy


def _multipart(ctx) -> bool:
    operation = getattr(ctx, "operation", None)
    alternatives = getattr(operation, "body", None) or ()
    return any(str(getattr(alternative, "media_type", "")).startswith("multipart/") for alternative in alternatives)


def _hostile_text(characters: tuple[str, ...]):
    def flatmap(ctx, value):
        # A multipart body (it holds a file's bytes) travels as UTF-8 like a query string: a
        # lone surrogate cannot even be encoded by the client, so NUL only there; and only
        # in a field's own text (_multipart_sent).
        multipart = _multipart(ctx) or (isinstance(value, dict) and any(isinstance(v, bytes) for v in value.values()))
        places = [loc for loc in _string_places(value) if not multipart or len(loc) == 1]
        if not places:
            return st.just(value)
        drawn_from = tuple(c for c in characters if c == "\x00") if multipart else characters
        return st.tuples(st.integers(0, 3), st.sampled_from(places), st.sampled_from(drawn_from)).map(
            lambda drawn: _injected(value, drawn[1], drawn[2]) if drawn[0] == 0 else value
        )

    return flatmap


def _holds_hostile_text(value) -> bool:
    return any(any(c in text for c in HOSTILE_CHARACTERS) for text in _strings(value))


def _multipart_sent(case):
    """What of a multipart body surely reaches the server as raw text: its fields' own
    strings. An object nested in a field is sent as JSON text, where a NUL is the escape
    `\\u0000`, so a case with a NUL only there is no hostile text (schemathesis'
    `_prepare_form_value`)."""
    media_type = str(getattr(case, "media_type", "") or "")
    if media_type.startswith("multipart/") and isinstance(case.body, dict):
        return {key: value for key, value in case.body.items() if isinstance(value, str)}
    return case.body


def _strings(value):
    if isinstance(value, str):
        yield value
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if isinstance(key, str):
            yield key
        yield from _strings(item)


def _schema(name: str, *, hostile: bool):
    schema = schemathesis.openapi.from_dict(json.loads(SNAPSHOTS[name].read_text()))
    schema.app = WSGIHandler()
    if hostile:
        schema.hook("flatmap_body")(_hostile_text(HOSTILE_CHARACTERS))
        schema.hook("flatmap_query")(_hostile_text(("\x00",)))
    return schema


def _fuzz(name: str, *, base_url: str, headers: dict, examples: int = EXAMPLES) -> tuple[int, dict, int]:
    """Run positive and negative cases for every operation; returns (cases, statuses seen,
    cases given a NUL or a lone surrogate). The positive cases get those (a case otherwise
    valid must be refused for them alone); negative ones are invalid already."""
    statuses: dict = {"hostile": 0}
    positive, negative = _schema(name, hostile=True), _schema(name, hostile=False)
    for hostile_result, result in zip(positive.get_all_operations(), negative.get_all_operations(), strict=True):
        _fuzz_operation(hostile_result.ok(), GenerationMode.POSITIVE, CHECKS, base_url, headers, examples, statuses)
        _fuzz_operation(
            result.ok(),
            GenerationMode.NEGATIVE,
            [*CHECKS, negative_data_refused],
            base_url,
            headers,
            examples,
            statuses,
        )
    hostile = statuses.pop("hostile")
    return sum(statuses.values()), statuses, hostile


def _fuzz_operation(operation, mode, checks, base_url, headers, examples, statuses) -> None:
    @hypothesis_settings(
        max_examples=examples,
        deadline=None,
        database=None,
        # Fixed seed in the suite (a stable CI); API_SCHEMATHESIS_RANDOM=1 explores new cases.
        derandomize=not os.environ.get("API_SCHEMATHESIS_RANDOM"),
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        response = case.call_and_validate(base_url=base_url, headers=headers, checks=checks)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if _holds_hostile_text(_multipart_sent(case)) or _holds_hostile_text(case.query):
            statuses["hostile"] += 1
            if mode == GenerationMode.POSITIVE:  # otherwise valid: the text alone is refused
                # A generated path that routes to no operation is a 404 before any parsing.
                refusals = (413, 422) if not case.path_parameters else (404, 413, 422)
                assert response.status_code in refusals, (case.method, case.path, case.body, response.status_code)

    run()


def test_tenant_api_holds_to_its_document_for_generated_requests(client_a, editor_a, settings):
    settings.API_RATE_LIMIT_ANON = settings.API_RATE_LIMIT_USER = settings.API_RATE_LIMIT_KEY = "1000000/m"
    token = token_pair(client_a, editor_a)["access"]
    with _connection_kept():
        total, statuses, hostile = _fuzz(
            "tenant", base_url="http://alpha.localhost", headers={"Authorization": bearer(token)["HTTP_AUTHORIZATION"]}
        )
    print(
        f"tenant API: {total} generated cases ({hostile} with NUL or surrogates), "
        f"statuses {dict(sorted(statuses.items()))}"
    )
    assert total >= MIN_CASES, f"only {total} generated cases"
    assert hostile >= total // 20, f"only {hostile} cases with NUL or surrogates"
    assert not any(status >= 500 for status in statuses), statuses
    assert {200, 201, 401, 404, 422} <= set(statuses), statuses  # successes and each kind of refusal


def test_platform_api_holds_to_its_document_for_generated_requests(public_client, settings):
    """Fewer cases: a generated valid tenant name provisions a schema (rolled back after)."""
    from django.contrib.auth import get_user_model
    from django_tenants.utils import schema_context

    settings.API_RATE_LIMIT_ANON = settings.API_RATE_LIMIT_USER = "1000000/m"
    with schema_context("public"):
        get_user_model().objects.create_superuser(username="fuzz@platform.example", password="fuzz-pass-9917")
    token = token_pair(public_client, {"username": "fuzz@platform.example", "password": "fuzz-pass-9917"})["access"]
    with _connection_kept():
        total, statuses, hostile = _fuzz(
            "platform",
            base_url="http://localhost",
            headers={"Authorization": bearer(token)["HTTP_AUTHORIZATION"]},
            examples=PLATFORM_EXAMPLES,
        )
    print(
        f"platform API: {total} generated cases ({hostile} with NUL or surrogates), "
        f"statuses {dict(sorted(statuses.items()))}"
    )
    assert hostile >= total // 20, f"only {hostile} cases with NUL or surrogates"
    assert not any(status >= 500 for status in statuses), statuses
    assert {200, 401, 404, 422} <= set(statuses), statuses
