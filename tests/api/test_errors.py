"""Bad input over HTTP: a 4xx with a stable code and a message, and nothing half-written.

Requests and answers only: the app runs in the test process (tests/appclient.py), one for
the module, with the harness's test site s01 (each test makes its own tickets)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.support import all_waiting, assert_error, ok, ticket
from tests.appclient import Initialised, InProcessApp
from tests.harness import ADMIN, Reply, token

JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, initialised: Initialised) -> Iterator[
        InProcessApp]:
    app = InProcessApp(tmp_path_factory.mktemp("errors"), initialised(("s01",)))
    yield app
    app.close()


@pytest.fixture
def module_site() -> str:
    return "s01"


def issue_raw(server: InProcessApp, site: str, data: bytes,
              headers: dict[str, str] | None = None) -> Reply:
    return server.request("POST", f"/api/sites/{site}/tickets", token(site, "kiosk"),
                          data=data, headers=headers or JSON)


def test_unknown_site_is_404_for_every_site_route(server: InProcessApp) -> None:
    for method, path, body in (
            ("GET", "/api/sites/nowhere", None),
            ("GET", "/api/sites/nowhere/snapshot", None),
            ("GET", "/api/sites/nowhere/queues", None),
            ("GET", "/api/sites/nowhere/counters", None),
            ("GET", "/api/sites/nowhere/events", None),
            ("POST", "/api/sites/nowhere/tickets", {"services": ["job"]}),
            ("POST", "/api/sites/nowhere/counters/nowhere-c1/call-next", {}),
            ("POST", "/api/sites/nowhere/counters/nowhere-c1/call", {"ticket": 1}),
            ("POST", "/api/sites/nowhere/counters/nowhere-c1/open", {}),
            ("POST", "/api/sites/nowhere/close-day", {})):
        reply = server.request(method, path, ADMIN, body)
        assert_error(reply, 404, "unknown_site")
        assert reply.body["site"] == "nowhere"


def test_unknown_service_refuses_the_whole_ticket(server: InProcessApp,
                                                  module_site: str) -> None:
    before = all_waiting(server, module_site)
    reply = server.issue(module_site, ["job", "astrology"])
    assert_error(reply, 404, "unknown_service")
    assert reply.body["service"] == "astrology"
    assert all_waiting(server, module_site) == before


@pytest.mark.parametrize(("body", "status", "code", "field"), [
    ({"services": "job"}, 422, "invalid_field", "body.services"),
    ({"services": {"job": True}}, 422, "invalid_field", "body.services"),
    ({"services": [1]}, 422, "invalid_field", "body.services[0]"),
    ({"services": ["job", None]}, 422, "invalid_field", "body.services[1]"),
    ({"services": [""]}, 422, "invalid_field", "body.services[0]"),
    ({"services": ["x" * 65]}, 422, "invalid_field", "body.services[0]"),
    ({"services": ["job"], "priority": "yes"}, 422, "invalid_field", "body.priority"),
    ({"services": ["job"], "priority": 1}, 422, "invalid_field", "body.priority"),
    ({"services": ["job"], "priority": None}, 422, "invalid_field", "body.priority"),
    ({"services": ["job"], "language": 7}, 422, "invalid_field", "body.language"),
    ({"services": ["job"], "language": "x" * 17}, 422, "invalid_field", "body.language"),
    ({"services": []}, 422, "invalid_field", "body.services"),
    ({"services": ["job", "search", "career", "welfare", "housing", "job", "search"]}, 422,
     "invalid_field", "body.services"),
    ({}, 422, "invalid_field", "body.services"),
    ({"services": ["job"], "colour": "red"}, 422, "unknown_field", "body.colour"),
    ({"services": ["job", "career", "job"]}, 422, "duplicate_services", None),
    ([{"services": ["job"]}], 422, "invalid_field", "body"),
    ("job", 422, "invalid_field", "body"),
])
def test_an_ill_formed_issue_is_refused_and_issues_nothing(
        server: InProcessApp, module_site: str, body: Any, status: int, code: str,
        field: str | None) -> None:
    before = all_waiting(server, module_site)
    reply = issue_raw(server, module_site, json.dumps(body).encode())
    assert_error(reply, status, code, field)
    assert all_waiting(server, module_site) == before


@pytest.mark.parametrize("data", [
    b"{", b'{"services": ["job"]', b"{'services': ['job']}", b"services=job", b"\xff\xfe\x00",
    b'{"services": ["job"]} trailing', b"[" * 5000, b'{"s":[' * 2000,
])
def test_malformed_json_is_refused(server: InProcessApp, module_site: str,
                                   data: bytes) -> None:
    before = all_waiting(server, module_site)
    assert_error(issue_raw(server, module_site, data), 400, "invalid_json")
    assert all_waiting(server, module_site) == before


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/xml"])
def test_a_body_that_is_not_declared_json_is_refused(server: InProcessApp, module_site: str,
                                                     content_type: str) -> None:
    before = all_waiting(server, module_site)
    reply = issue_raw(server, module_site, b'{"services": ["job"]}',
                      {"Content-Type": content_type})
    assert_error(reply, 400, "unsupported_media_type")
    assert all_waiting(server, module_site) == before


def test_json_with_a_charset_parameter_is_accepted(server: InProcessApp,
                                                   module_site: str) -> None:
    reply = issue_raw(server, module_site, b'{"services": ["job"]}',
                      {"Content-Type": "application/json; charset=utf-8"})
    ok(reply, 201)


def test_an_oversized_body_is_refused_with_413(server: InProcessApp, module_site: str) -> None:
    before = all_waiting(server, module_site)
    big = json.dumps({"services": ["job"], "language": "x" * 17_000}).encode()
    assert len(big) > 16384
    assert_error(issue_raw(server, module_site, big), 413, "body_too_large")
    # Just under the limit is read (and then refused for what it says, not for its size).
    padded = b'{"services": ["job"]}' + b" " * (16384 - 21)
    assert len(padded) == 16384
    ok(issue_raw(server, module_site, padded), 201)
    assert len(all_waiting(server, module_site)["job"]) == len(before["job"]) + 1


def test_bodies_of_ticket_actions_are_checked_before_anything_changes(
        server: InProcessApp, module_site: str) -> None:
    site = module_site
    issued = ok(server.issue(site, ["search"]), 201)
    before = ticket(server, site, issued["id"])
    staff = token(site, "staff1")
    path = f"/api/tickets/{issued['id']}"
    for action, body, code, field in (
            ("cancel", {"reason": 3}, "invalid_field", "body.reason"),
            ("cancel", {"why": "x"}, "unknown_field", "body.why"),
            ("park", {"counter": f"{site}-c1"}, "unknown_field", "body.counter"),
            ("return", [], "invalid_field", "body"),
            ("finish", {"outcome": ["consult_only"]}, "invalid_field", "body.outcome"),
            ("start", {"counter": 1}, "invalid_field", "body.counter"),
            ("transfer", {"service": "career", "note": {"text": "x"}}, "invalid_field",
             "body.note")):
        assert_error(server.request("POST", f"{path}/{action}", staff, body), 422, code, field)
    assert_error(server.request("POST", f"{path}/cancel", staff, data=b"{", headers=JSON), 400,
                 "invalid_json")
    assert_error(server.request("POST", f"{path}/cancel", staff, data=b"{}",
                                headers={"Content-Type": "text/plain"}),
                 400, "unsupported_media_type")
    assert ticket(server, site, issued["id"]) == before


def test_counter_bodies_are_checked(server: InProcessApp, module_site: str) -> None:
    site = module_site
    staff = token(site, "staff1")
    base = f"/api/sites/{site}/counters/{site}-c1"
    assert_error(server.request("POST", f"{base}/call-next", staff, {"service": "job"}), 422,
                 "unknown_field", "body.service")
    assert_error(server.request("POST", f"{base}/pause", staff, {"why": "lunch"}), 422,
                 "unknown_field", "body.why")
    assert_error(server.request("POST", f"{base}/call", staff, {"ticket": 0}), 422,
                 "invalid_field", "body.ticket")
    assert_error(server.request("POST", f"{base}/call", staff, {"ticket": True}), 422,
                 "invalid_field", "body.ticket")
    assert_error(server.request("POST", f"{base}/call", staff, {"label": 301}), 422,
                 "invalid_field", "body.label")
    counters = ok(server.request("GET", f"/api/sites/{site}/counters", staff))["counters"]
    assert all(c["status"] == "closed" for c in counters)


def test_a_wrong_method_gets_405_as_json(server: InProcessApp, module_site: str) -> None:
    for method, path in (("GET", f"/api/sites/{module_site}/tickets"),
                         ("DELETE", "/api/health"),
                         ("PUT", f"/api/sites/{module_site}"),
                         ("GET", f"/api/sites/{module_site}/counters/{module_site}-c1/call-next"),
                         ("GET", "/api/tickets/1/finish"),
                         ("POST", "/api/openapi.json")):
        reply = server.request(method, path, ADMIN)
        assert_error(reply, 405, "method_not_allowed")


def test_an_unknown_api_path_gets_404_as_json(server: InProcessApp) -> None:
    for path in ("/api/nope", "/api/sites/s01/nothing", "/api/tickets/abc",
                 "/api/tickets/-1/start", "/api/tickets/1/explode", "/api"):
        reply = server.request("GET" if "start" not in path else "POST", path, ADMIN)
        assert_error(reply, 404, "not_found")


def test_the_idempotency_key_must_be_short(server: InProcessApp, module_site: str) -> None:
    before = all_waiting(server, module_site)
    reply = server.issue(module_site, ["job"], key="k" * 101)
    assert_error(reply, 400, "invalid_idempotency_key")
    assert all_waiting(server, module_site) == before
