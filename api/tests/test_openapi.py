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
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
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


@schemathesis.check
def negative_data_refused(ctx, response, case):
    """schemathesis' negative_data_rejection, with 413 (a body over API_MAX_BODY_BYTES, which
    the generator sometimes builds) counted as a refusal too."""
    if response.status_code == 413:
        return None
    return negative_data_rejection(ctx, response, case)


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


def _fuzz(schema, *, base_url: str, headers: dict, examples: int = EXAMPLES) -> tuple[int, dict]:
    """Run positive and negative cases for every operation; returns (cases, statuses seen)."""
    statuses: dict[int, int] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        _fuzz_operation(operation, GenerationMode.POSITIVE, CHECKS, base_url, headers, examples, statuses)
        _fuzz_operation(
            operation, GenerationMode.NEGATIVE, [*CHECKS, negative_data_refused], base_url, headers, examples, statuses
        )
    return sum(statuses.values()), statuses


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

    run()


def test_tenant_api_holds_to_its_document_for_generated_requests(client_a, editor_a, settings):
    settings.API_RATE_LIMIT_ANON = settings.API_RATE_LIMIT_USER = settings.API_RATE_LIMIT_KEY = "1000000/m"
    token = token_pair(client_a, editor_a)["access"]
    schema = schemathesis.openapi.from_dict(json.loads(SNAPSHOTS["tenant"].read_text()))
    schema.app = WSGIHandler()
    with _connection_kept():
        total, statuses = _fuzz(
            schema, base_url="http://alpha.localhost", headers={"Authorization": bearer(token)["HTTP_AUTHORIZATION"]}
        )
    print(f"tenant API: {total} generated cases, statuses {dict(sorted(statuses.items()))}")
    assert total >= MIN_CASES, f"only {total} generated cases"
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
    schema = schemathesis.openapi.from_dict(json.loads(SNAPSHOTS["platform"].read_text()))
    schema.app = WSGIHandler()
    with _connection_kept():
        total, statuses = _fuzz(
            schema,
            base_url="http://localhost",
            headers={"Authorization": bearer(token)["HTTP_AUTHORIZATION"]},
            examples=PLATFORM_EXAMPLES,
        )
    print(f"platform API: {total} generated cases, statuses {dict(sorted(statuses.items()))}")
    assert not any(status >= 500 for status in statuses), statuses
    assert {200, 401, 404, 422} <= set(statuses), statuses
