"""Hostile input against every operation of both OpenAPI documents: no answer is a 5xx.

Each operation gets a plausible request built from its documented schemas (real path
values, so the operations run to the end, not only to a 404), then one request per hostile
value in each place it reads: every path and query parameter, every property of the JSON
body down to the fields of the first item of each list, the body as a whole, and the
Authorization header. Values: NUL, a lone surrogate, a 1 MB string, 50,000-deep nesting,
wrong types, huge integers (past 64 bits, past Python's 4,300 digits), NaN and Infinity,
duplicate keys, broken JSON, bytes that are not UTF-8.

Every answer must be < 500 and, when it is an error, problem+json; NUL and surrogates in
the body or a query parameter must be a 422 naming the JSON path they were sent at.
"""

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.test import Client
from django_tenants.utils import schema_context, tenant_context

from api.tests.utils import bearer, token_pair

API_DIR = Path(__file__).resolve().parent.parent
JSON = "application/json"
PROBLEM = "application/problem+json"

# Raw JSON text put where a sentinel string was: values json.dumps cannot (or will not) write.
DEEP = "[" * 50_000 + "]" * 50_000
RAW = {
    "deep nesting": DEEP,
    "5,000-digit integer": "9" * 5_000,
    "NaN": "NaN",
    "1e400": "1e400",
}
VALUES = {
    "NUL": "fuzz\x00fuzz",
    "lone surrogate": "fuzz\ud800",
    "1 MB string": "x" * 1_000_000,
    "integer past 64 bits": 10**30,
    "negative integer": -(10**30),
    "float": 1.5,
    "boolean": True,
    "null": None,
    "empty list": [],
    "empty object": {},
    "list of NUL": ["\x00"],
    "object with a NUL key": {"a\x00": 1},
}
TEXT_REFUSED = {"NUL", "lone surrogate", "list of NUL", "object with a NUL key"}
WHOLE_BODIES = {
    "deep nesting": DEEP.encode(),
    "NUL string": b'"\\u0000"',
    "number": b"12",
    "null": b"null",
    "list": b"[]",
    "broken JSON": b'{"a": ',
    "not UTF-8": b'{"a": "\xff\xfe"}',
    "UTF-8 encoded surrogate": b'{"a": "\xed\xa0\x80"}',
    "empty": b"",
}
PARAMETER_VALUES = {
    "NUL": "%00",
    "NUL inside": "fu%00zz",
    "surrogate (invalid UTF-8)": "%ED%A0%80",
    "1 MB": "x" * 1_000_000,
    "huge integer": "9" * 40,
    "negative": "-1",
    "not a number": "abc",
}
# Bodies documented as "any item" (Meta's event shape is validated by events.validation).
BODY_SAMPLES = {
    "/api/events": {
        "data": [
            {
                "event_name": "Purchase",
                "event_id": "fuzz-1",
                "event_time": int(time.time()) - 60,
                "action_source": "website",
                "event_source_url": "https://alpha.example/checkout",
                "user_data": {"em": "fuzz@example.com", "client_user_agent": "Mozilla/5.0", "fbc": "fb.1.x"},
                "custom_data": {"currency": "eur", "value": 49.9, "contents": [{"id": "sku", "quantity": 1}]},
            }
        ]
    }
}
AUTHORIZATIONS = {
    "NUL bearer": "Bearer \x00",
    "NUL key": "Api-Key ab\x00cd.secret",
    "surrogate key": "Api-Key \ud800.x",
    "1 MB bearer": "Bearer " + "x" * 1_000_000,
    "empty key": "Api-Key .",
}


def _resolve(schema: dict, document: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _sample(schema: dict, document: dict, depth: int = 0):
    """A plausible value of `schema`: every property present, lists of one item."""
    schema = _resolve(schema, document)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("oneOf", "anyOf"):
        if key in schema:
            options = [o for o in schema[key] if _resolve(o, document).get("type") != "null"]
            return _sample(options[0], document, depth)
    if "allOf" in schema:
        return _sample(schema["allOf"][0], document, depth)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {name: _sample(prop, document, depth + 1) for name, prop in schema.get("properties", {}).items()}
    if kind == "array":
        if depth >= 4:
            return []
        items = _resolve(schema.get("items", {}), document)
        # A union (blocks): one item of each type, so every type's fields get their turn.
        options = items.get("oneOf") or items.get("anyOf") or [items]
        return [_sample(option, document, depth + 1) for option in options]
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    if schema.get("format") == "date-time":
        return (datetime.now(UTC) + timedelta(days=1)).isoformat()
    return "fuzz"


def _places(value, loc=(), depth: int = 99) -> list[tuple]:
    """JSON paths of every property, and of every item's properties, in `value`, down to
    `depth` levels."""
    places = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        places.append((*loc, key))
        if depth > 1:
            places.extend(_places(item, (*loc, key), depth - 1))
    return places


def _replaced(value, loc: tuple, new):
    if not loc:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[loc[0]] = _replaced(copy[loc[0]], loc[1:], new)
    return copy


class Fuzzer:
    def __init__(self, client: Client, document: dict, path_values: dict, auth: str):
        self.client = client
        self.document = document
        self.path_values = path_values
        self.auth = auth
        self.sent = 0
        self.kinds: set[str] = set()
        self.failures: list[str] = []

    def send(self, method: str, path: str, body: bytes | None, what: str, *, authorization=None, expect_loc=None):
        headers = {"HTTP_AUTHORIZATION": self.auth if authorization is None else authorization}
        kwargs = {"data": body, "content_type": JSON} if body is not None else {}
        response = getattr(self.client, method)(path, **kwargs, **headers)
        self.sent += 1
        self.kinds.add(what.split(": ", 1)[-1])
        where = f"{method.upper()} {path[:80]} [{what}]"
        if response.status_code >= 500:
            self.failures.append(f"{where}: {response.status_code} {response.content[:300]!r}")
        elif response.status_code >= 400 and response["Content-Type"] != PROBLEM:
            self.failures.append(f"{where}: {response.status_code} as {response['Content-Type']}")
        elif expect_loc is not None:
            locs = [e["loc"] for e in response.json().get("errors", [])] if response.status_code == 422 else []
            if expect_loc not in locs:
                self.failures.append(f"{where}: {response.status_code}, expected a 422 at {expect_loc}, got {locs}")
        return response

    def operation(self, method: str, template: str, operation: dict) -> None:
        params = operation.get("parameters", [])
        path_params = [p for p in params if p["in"] == "path"]
        query_params = [p for p in params if p["in"] == "query"]

        def url(overrides: dict | None = None, query: str = "") -> str:
            values = {p["name"]: quote(str(self.path_values[p["name"]]), safe="/") for p in path_params}
            values.update(overrides or {})
            path = template
            for name, value in values.items():
                path = path.replace("{" + name + "}", value)
            return path + (f"?{query}" if query else "")

        body_schema = operation.get("requestBody", {}).get("content", {}).get(JSON, {}).get("schema")
        sample = BODY_SAMPLES.get(template) or (_sample(body_schema, self.document) if body_schema else None)
        body = json.dumps(sample).encode() if body_schema else None

        self.send(method, url(), body, "plausible")
        for param in path_params:
            name = param["name"]
            # An integer's route converter takes digits only: other values are an unknown path (404).
            textual = param.get("schema", {}).get("type") != "integer"
            for label, value in PARAMETER_VALUES.items():
                expect = ["path", name] if label.startswith("NUL") and textual else None
                self.send(method, url({name: value}), body, f"path {name}: {label}", expect_loc=expect)
        for name in (p["name"] for p in query_params):
            for label, value in PARAMETER_VALUES.items():
                expect = ["query", name] if label.startswith("NUL") else None
                self.send(method, url(query=f"{name}={value}"), body, f"query {name}: {label}", expect_loc=expect)
        for label, value in AUTHORIZATIONS.items():
            self.send(method, url(), body, f"header: {label}", authorization=value)
        if body_schema is None:
            return
        for label, raw in WHOLE_BODIES.items():
            self.send(method, url(), raw, f"body: {label}")
        first_key = next(iter(sample), None) if isinstance(sample, dict) else None
        if first_key is not None:
            duplicated = b'{"%s": 1, ' % first_key.encode() + body[1:]
            self.send(method, url(), duplicated, "body: duplicate key")
        # Replacing and patching share the creating operation's validator: their top level will do.
        for loc in _places(sample, depth=99 if method == "post" else 1):
            for label, value in VALUES.items():
                mutated = json.dumps(_replaced(sample, loc, value)).encode()
                expect = ["body", *loc] if label in {"NUL", "lone surrogate"} else None
                self.send(method, url(), mutated, f"body {list(loc)}: {label}", expect_loc=expect)
            for label, raw in RAW.items():
                mutated = json.dumps(_replaced(sample, loc, "__raw__")).replace('"__raw__"', raw).encode()
                self.send(method, url(), mutated, f"body {list(loc)}: {label}")

    def run(self) -> None:
        operations = [
            (method, path, operation)
            for path, item in self.document["paths"].items()
            for method, operation in item.items()
        ]
        # Deleting goes last, so the other operations still find what they address.
        operations.sort(key=lambda op: op[0] == "delete")
        for method, path, operation in operations:
            self.operation(method, path, operation)


def _document(name: str) -> dict:
    return json.loads((API_DIR / name).read_text())


@pytest.fixture
def unthrottled(settings):
    settings.API_RATE_LIMIT_ANON = settings.API_RATE_LIMIT_USER = settings.API_RATE_LIMIT_KEY = "1000000/m"
    settings.ANSWERS_RATE_LIMIT = "1000000/m"


def test_no_hostile_input_is_a_server_error_on_the_tenant_api(client_a, editor_a, tenant_a, unthrottled):
    from content.services import page_create

    with tenant_context(tenant_a):
        page = page_create(user=None, slug="fuzz", title="Fuzz", blocks=[{"type": "paragraph", "html": "<p>x</p>"}])
        revision_id = page.revisions.first().pk
    token = token_pair(client_a, editor_a)["access"]
    fuzzer = Fuzzer(
        Client(HTTP_HOST="alpha.localhost", raise_request_exception=False),
        _document("openapi.json"),
        {"slug": "fuzz", "revision_id": revision_id, "key_id": 1, "image_id": 1, "series": "visits"},
        bearer(token)["HTTP_AUTHORIZATION"],
    )
    fuzzer.run()
    print(f"tenant API: {fuzzer.sent} hostile requests")
    assert fuzzer.sent > 2_500
    assert {"NUL", "lone surrogate", "1 MB string", "deep nesting", "duplicate key", "integer past 64 bits"} <= (
        fuzzer.kinds
    )
    assert not fuzzer.failures, "\n".join(fuzzer.failures[:40])


def test_no_hostile_input_is_a_server_error_on_the_platform_api(public_client, unthrottled):
    from django.contrib.auth import get_user_model

    with schema_context("public"):
        get_user_model().objects.create_superuser(username="fuzz@platform.example", password="fuzz-pass-9917")
    token = token_pair(public_client, {"username": "fuzz@platform.example", "password": "fuzz-pass-9917"})["access"]
    fuzzer = Fuzzer(
        Client(HTTP_HOST="localhost", raise_request_exception=False),
        _document("openapi-platform.json"),
        {"name": "beta", "domain": "beta.localhost"},
        bearer(token)["HTTP_AUTHORIZATION"],
    )
    fuzzer.run()
    print(f"platform API: {fuzzer.sent} hostile requests")
    assert fuzzer.sent > 300
    assert not fuzzer.failures, "\n".join(fuzzer.failures[:40])
