"""The OpenAPI document: every route with its method, its error codes and the bearer scheme;
and a battery of malformed requests at every POST route that must never get a 500."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from server.api import routes  # noqa: F401  (declaring the routes fills the registry)
from server.web.endpoints import REGISTRY
from tests.api.support import ok
from tests.appclient import InProcessApp
from tests.harness import ADMIN, ServerProcess, token

OPERATIONS = {
    ("get", "/api/health"), ("get", "/api/openapi.json"), ("get", "/api/sites"),
    ("get", "/api/sites/{site_id}"), ("get", "/api/sites/{site_id}/snapshot"),
    ("get", "/api/sites/{site_id}/queues"), ("get", "/api/sites/{site_id}/counters"),
    ("get", "/api/sites/{site_id}/events"), ("get", "/api/tickets/{ticket_id}"),
    ("post", "/api/sites/{site_id}/tickets"),
    ("post", "/api/sites/{site_id}/counters/{counter_id}/call-next"),
    ("post", "/api/sites/{site_id}/counters/{counter_id}/call"),
    *{("post", f"/api/sites/{{site_id}}/counters/{{counter_id}}/{a}")
      for a in ("open", "pause", "resume", "close")},
    *{("post", f"/api/tickets/{{ticket_id}}/{a}")
      for a in ("recall", "start", "no-show", "finish", "transfer", "park", "return", "cancel")},
    ("post", "/api/sites/{site_id}/close-day"), ("post", "/api/clock"),
}

# Error codes the other API tests see, by route and status: each must be documented there.
SEEN = [
    ("post", "/api/sites/{site_id}/tickets", {
        404: ["unknown_site", "unknown_service"], 409: ["site_closed"],
        422: ["invalid_field", "unknown_field", "duplicate_services", "idempotency_key_reused"],
        400: ["invalid_json", "unsupported_media_type", "invalid_idempotency_key"],
        413: ["body_too_large"], 401: ["unauthorized"],
        403: ["forbidden_role", "forbidden_site"]}),
    ("post", "/api/sites/{site_id}/counters/{counter_id}/call-next", {
        404: ["unknown_site", "unknown_counter"],
        409: ["no_waiting_tickets", "counter_paused", "counter_busy"],
        422: ["unknown_field"], 403: ["forbidden_role", "forbidden_site"]}),
    ("post", "/api/sites/{site_id}/counters/{counter_id}/call", {
        404: ["unknown_site", "unknown_counter", "unknown_ticket"],
        409: ["invalid_transition", "service_not_served", "counter_busy"],
        422: ["invalid_field"]}),
    ("post", "/api/sites/{site_id}/counters/{counter_id}/close", {
        404: ["unknown_site", "unknown_counter"], 409: ["counter_busy"]}),
    ("post", "/api/tickets/{ticket_id}/finish", {
        404: ["unknown_ticket"], 409: ["invalid_transition", "not_at_this_counter"],
        422: ["unknown_outcome", "invalid_field"], 403: ["forbidden_site"]}),
    ("post", "/api/tickets/{ticket_id}/transfer", {
        404: ["unknown_ticket", "unknown_service"],
        409: ["same_service", "invalid_transition", "not_at_this_counter"]}),
    ("post", "/api/tickets/{ticket_id}/no-show", {409: ["invalid_transition"]}),
    ("post", "/api/tickets/{ticket_id}/return", {409: ["invalid_transition"]}),
    ("get", "/api/tickets/{ticket_id}", {404: ["unknown_ticket"], 403: ["forbidden_site"],
                                         401: ["unauthorized"]}),
    ("get", "/api/sites/{site_id}/events", {404: ["unknown_site"], 422: ["invalid_field"],
                                            403: ["forbidden_role", "forbidden_site"]}),
    ("post", "/api/sites/{site_id}/close-day", {404: ["unknown_site"],
                                                403: ["forbidden_role", "forbidden_site"]}),
    ("post", "/api/clock", {409: ["clock_not_simulated"], 422: ["invalid_field"],
                            403: ["forbidden_role"]}),
]


@pytest.fixture
def document(server: ServerProcess) -> dict[str, Any]:
    return ok(server.request("GET", "/api/openapi.json"))


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield method, path, operation


def test_the_document_is_openapi_3_1_with_a_bearer_scheme(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] == "madoguchi" and document["info"]["version"]
    assert document["components"]["securitySchemes"]["bearer"] == {"type": "http",
                                                                    "scheme": "bearer"}
    assert set(document) >= {"openapi", "info", "paths", "components"}


def test_every_route_appears_with_its_method(document: dict[str, Any]) -> None:
    documented = {(m, p) for m, p, _ in operations(document)}
    assert OPERATIONS <= documented, OPERATIONS - documented
    registered = {(spec.method.lower(), "/api" + spec.path) for spec in REGISTRY}
    assert registered | {("get", "/api/openapi.json")} <= documented


def test_every_operation_documents_its_parameters_and_answers(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        assert operation["summary"] and operation["tags"], (method, path)
        named = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        assert named == set(re.findall(r"{(\w+)}", path)), (method, path)
        ok_statuses = [s for s in operation["responses"] if int(s) < 400]
        assert len(ok_statuses) == 1, (method, path)
        for status, answer in operation["responses"].items():
            if int(status) < 400:
                continue
            assert answer["description"].startswith("Error codes: "), (method, path, status)
            schema = answer["content"]["application/json"]["schema"]
            assert set(schema["required"]) == {"error", "message"}
        # The appointments' public calls: a visitor's page, where the booking code is the
        # credential.
        # /api/ready: a load balancer's health check.
        secured = path not in ("/api/health", "/api/ready", "/api/openapi.json") and not (
            path.startswith(("/api/public/", "/api/appointments/")))
        assert (operation.get("security") == [{"bearer": []}]) is secured, (method, path)
        if secured:
            assert "unauthorized" in codes(operation, 401)
            assert {"forbidden_role", "forbidden_site"} <= set(codes(operation, 403))
        if method == "post" and path != "/api/clock":
            headers = [p["name"] for p in operation["parameters"] if p["in"] == "header"]
            assert headers == ["Idempotency-Key"], (method, path)
        if "requestBody" in operation:
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            assert schema["type"] == "object" and schema["additionalProperties"] is False
            assert "body_too_large" in codes(operation, 413)
            assert {"invalid_json", "unsupported_media_type"} <= set(codes(operation, 400))


def codes(operation: dict[str, Any], status: int) -> list[str]:
    answer = operation["responses"].get(str(status))
    if answer is None:
        return []
    return answer["description"].removeprefix("Error codes: ").split(", ")


@pytest.mark.parametrize(("method", "path", "seen"), SEEN, ids=[f"{m} {p}" for m, p, _ in SEEN])
def test_the_error_codes_the_server_answers_with_are_documented(
        document: dict[str, Any], method: str, path: str, seen: dict[int, list[str]]) -> None:
    operation = document["paths"][path][method]
    for status, expected in seen.items():
        assert set(expected) <= set(codes(operation, status)), (status, codes(operation, status))


def test_every_documented_route_is_served(server: ServerProcess, module_site: str,
                                          document: dict[str, Any]) -> None:
    for method, path, _ in operations(document):
        concrete = path.format(site_id=module_site, counter_id=f"{module_site}-c9",
                               ticket_id=10**9, service_id="job", printer_id="none",
                               device_id=f"{module_site}-kiosk", code="ABCDE23456",
                               alert_id="20260101-1")
        reply = server.request(method.upper(), concrete, ADMIN,
                               {} if method == "post" else None)
        assert reply.status < 500, (method, path, reply.body)
        if reply.status >= 400:
            assert reply.body["error"] not in ("not_found", "method_not_allowed"), (method, path)


# ---- no 500s, whatever is sent ------------------------------------------------------------

ODD_VALUES: list[Any] = [None, True, 0, -1, 2**63, 1.5, "", "x" * 300, "🙂", "\u0000", [],
                         ["x"], [1], {}, {"a": 1}]
RAW_BODIES = [b"{", b"null", b"[]", b"0", b'"x"', b"[" * 5000, b"\xff\xfe", b"{}" * 2,
              b'{"ticket": NaN}', b'{"ticket": 1e999}', b'{"a": ' + b"9" * 5000 + b"}",
              b'{"services": ["job"], "services": 5}', b"x" * 20_000]


def plausible(name: str, schema: dict[str, Any], site: str, ticket_id: int) -> Any:
    known = {"services": ["job"], "service": "career", "outcome": "consult_only",
             "counter": f"{site}-c1", "label": "1", "ticket": ticket_id,
             "set": "2026-03-02T10:00:00+09:00", "slot": "2026-03-02T10:00:00+09:00",
             "code": "ABCDE-23456", "contact": "visitor@example.jp"}
    if name in known:
        return known[name]
    return {"string": "x", "integer": 1, "boolean": True, "array": ["job"],
            "object": {}}[schema["type"]]


def bodies(schema: dict[str, Any] | None, site: str, ticket_id: int) -> Iterator[Any]:
    yield {}
    if schema is None:
        return
    props = schema["properties"]
    base = {n: plausible(n, s, site, ticket_id) for n, s in props.items()}
    yield base
    yield {**base, "unexpected": 1}
    for name in props:
        for value in ODD_VALUES:
            yield {**base, name: value}


@pytest.fixture
def in_process(make_app: Callable[..., InProcessApp]) -> InProcessApp:
    """Requests and answers only, hundreds of them: the app in the test process."""
    return make_app(["s01"])


def test_no_malformed_request_to_any_post_route_gets_a_500(in_process: InProcessApp) -> None:
    server, site = in_process, "s01"
    document = ok(server.request("GET", "/api/openapi.json"))
    real = [ok(server.issue(site, ["job", "career"]), 201)["id"] for _ in range(3)]
    ok(server.call_next(site, "c1"))
    credentials = [None, token(site, "kiosk"), token(site, "staff1"), ADMIN]
    fired = 0

    def fire(method: str, path: str, credential: str | None, **kwargs: Any) -> None:
        nonlocal fired
        fired += 1
        reply = server.request(method, path, credential, **kwargs)
        assert reply.status < 500, (method, path, credential, kwargs, reply.body)
        if reply.status >= 400:
            assert isinstance(reply.body, dict) and reply.body["error"], (path, reply.body)
            assert reply.body["message"], (path, reply.body)

    for method, template, operation in operations(document):
        if method != "post":
            continue
        schema = operation.get("requestBody", {}).get("content", {}).get(
            "application/json", {}).get("schema")
        path = template.format(site_id=site, counter_id=f"{site}-c1", ticket_id=real[0],
                               code="ABCDE23456", alert_id="20260101-1")
        for n, body in enumerate(bodies(schema, site, real[0])):
            fire("POST", path, credentials[2 + n % 2], json=body)
        for n, raw in enumerate(RAW_BODIES):
            fire("POST", path, credentials[n % 4], data=raw,
                 headers={"Content-Type": "application/json"})
        fire("POST", path, ADMIN, data=b'{"a": 1}', headers={"Content-Type": "text/plain"})
        fire("POST", path, ADMIN, data=b"{}",
             headers={"Content-Type": "application/json", "Idempotency-Key": "k" * 101})
        fire("POST", path, ADMIN, data=b"{}",
             headers={"Content-Type": "application/json",
                      "Idempotency-Key": "\u00e9".encode().decode("latin-1")})
        if "{ticket_id}" in template:  # tickets in other states, and tickets that are not
            for ticket_id in (*real[1:], 0, 2**70):
                path = template.format(ticket_id=ticket_id, code="ABCDE23456")
                for body in list(bodies(schema, site, ticket_id))[:2]:
                    fire("POST", path, ADMIN, json=body)
        for odd_site, odd_counter in (("nowhere", "nowhere-c1"), (site, "c1"),
                                      ("%E2%80%AE", "%00")):
            path = template.format(site_id=odd_site, counter_id=odd_counter, ticket_id=1,
                                   code="%00", alert_id="%00")
            fire("POST", path, ADMIN, json={})
    assert fired > 500
