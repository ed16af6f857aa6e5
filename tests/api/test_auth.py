"""Credentials over HTTP: who may do what, and at which site; what public screens may see."""

from __future__ import annotations

import json

import pytest

from tests.api.support import all_waiting, assert_error, counter, ok, ticket
from tests.harness import ADMIN, Reply, ServerProcess, token


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer ", "Basic dG9rZW4=",
                                    "Bearer not-a-token", "token-s01-kiosk",
                                    "Bearer token-nowhere-kiosk"])
def test_a_missing_or_bad_credential_is_401_with_a_challenge(
        server: ServerProcess, module_site: str, header: str | None) -> None:
    before = all_waiting(server, module_site)
    headers = {"Authorization": header} if header is not None else {}
    response = server.http.post(f"{server.url}/api/sites/{module_site}/tickets",
                                json={"services": ["job"]}, headers=headers, timeout=10)
    assert_error(Reply(response.status_code, response.json()), 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.headers["Content-Type"].startswith("application/json")
    assert all_waiting(server, module_site) == before


def test_every_read_but_health_needs_a_credential(server: ServerProcess,
                                                  module_site: str) -> None:
    for path in ("/api/sites", f"/api/sites/{module_site}",
                 f"/api/sites/{module_site}/snapshot", f"/api/sites/{module_site}/queues",
                 f"/api/sites/{module_site}/counters", f"/api/sites/{module_site}/events",
                 "/api/tickets/1"):
        assert_error(server.request("GET", path), 401, "unauthorized")


def test_each_role_is_held_to_its_own_work(server: ServerProcess, module_site: str) -> None:
    site = module_site
    issued = ok(server.issue(site, ["job"]), 201)
    before = all_waiting(server, site)
    base = f"/api/sites/{site}"
    refused = [
        ("kiosk", "POST", f"{base}/counters/{site}-c1/call-next", {}),
        ("kiosk", "POST", f"/api/tickets/{issued['id']}/cancel", {}),
        ("kiosk", "GET", f"{base}/queues", None),
        ("kiosk", "GET", f"/api/tickets/{issued['id']}", None),
        ("display", "POST", f"{base}/tickets", {"services": ["job"]}),
        ("display", "POST", f"{base}/counters/{site}-c1/open", {}),
        ("display", "GET", f"{base}/events", None),
        ("staff1", "POST", f"{base}/close-day", {}),
        ("staff1", "POST", "/api/clock", {"advance_seconds": 1}),
        ("manager", "POST", "/api/clock", {"advance_seconds": 1}),
    ]
    for device, method, path, body in refused:
        reply = server.request(method, path, token(site, device), body)
        assert_error(reply, 403, "forbidden_role")
    assert ticket(server, site, issued["id"])["status"] == "waiting"
    assert counter(server, site, "c1")["status"] == "closed"
    assert all_waiting(server, site) == before


def test_staff_cannot_act_at_another_site(server: ServerProcess, site: str,
                                          module_site: str) -> None:
    theirs = ok(server.issue(site, ["job"]), 201)
    ok(server.call_next(site, "c1"))
    stranger = token(module_site, "staff1")
    for method, path, body in (
            ("POST", f"/api/tickets/{theirs['id']}/finish", {"outcome": "consult_only"}),
            ("POST", f"/api/tickets/{theirs['id']}/recall", {}),
            ("POST", f"/api/tickets/{theirs['id']}/cancel", {}),
            ("GET", f"/api/tickets/{theirs['id']}", None),
            ("POST", f"/api/sites/{site}/counters/{site}-c2/call-next", {}),
            ("POST", f"/api/sites/{site}/counters/{site}-c1/close", {}),
            ("POST", f"/api/sites/{site}/tickets", {"services": ["job"]}),
            ("GET", f"/api/sites/{site}/snapshot", None),
            ("GET", f"/api/sites/{site}/events", None),
            ("GET", f"/api/sites/{site}", None)):
        assert_error(server.request(method, path, stranger, body), 403, "forbidden_site")
    for device in ("kiosk", "manager"):
        reply = server.request("POST", f"/api/sites/{site}/tickets",
                               token(module_site, device), {"services": ["job"]})
        assert_error(reply, 403, "forbidden_site")
    reply = server.request("POST", f"/api/sites/{site}/close-day", token(module_site, "manager"))
    assert_error(reply, 403, "forbidden_site")
    after = ticket(server, site, theirs["id"])
    assert after["status"] == "called" and after["calls"] == 1
    assert all_waiting(server, site)["job"] == []


def test_the_admin_may_act_at_every_site(server: ServerProcess, site: str) -> None:
    issued = ok(server.request("POST", f"/api/sites/{site}/tickets", ADMIN,
                               {"services": ["career"]}), 201)
    assert issued["ticket"]["status"] == "waiting"
    called = ok(server.request("POST", f"/api/sites/{site}/counters/{site}-c2/call-next", ADMIN))
    assert called["ticket"]["id"] == issued["id"] and called["ticket"]["staff"] == "admin"
    ok(server.request("POST", f"/api/tickets/{issued['id']}/transfer", ADMIN,
                      {"service": "job"}))
    ok(server.request("GET", f"/api/tickets/{issued['id']}", ADMIN))
    ok(server.request("GET", f"/api/sites/{site}/events", ADMIN))
    closed = ok(server.request("POST", f"/api/sites/{site}/close-day", ADMIN))
    assert closed["closed_tickets"] == 1


SECRETS = ("priority", "生活・福祉の相談", "住居確保給付金", "生活・福祉相談", "相談員",
           "staff", "職業相談・キャリア", "note")


def test_public_snapshots_never_show_priority_or_sensitive_names(server: ServerProcess,
                                                                 site: str) -> None:
    ok(server.issue(site, ["welfare"], priority=True), 201)
    ok(server.issue(site, ["housing"]), 201)
    ok(server.issue(site, ["job"], priority=True), 201)
    ok(server.issue(site, ["career", "job"]), 201)
    welfare = ok(server.call_next(site, "c3", staff="staff3"))["ticket"]
    ok(server.act(site, welfare["id"], "recall", staff="staff3"))
    job = ok(server.call_next(site, "c1"))["ticket"]
    ok(server.act(site, job["id"], "transfer", {"service": "housing", "note": "住居の相談"}))
    ok(server.call_next(site, "c2", staff="staff2"))
    staff_view = json.dumps(ok(server.request("GET", f"/api/sites/{site}/snapshot",
                                              token(site, "staff1"))), ensure_ascii=False)
    assert "生活・福祉の相談" in staff_view and '"priority": true' in staff_view
    for device in ("kiosk", "display", "display-welfare", "display-c1"):
        public = ok(server.request("GET", f"/api/sites/{site}/snapshot", token(site, device)))
        text = json.dumps(public, ensure_ascii=False)
        for secret in SECRETS:
            assert secret not in text, (device, secret)
        for shown in public["counters"]:
            assert shown["counter_name"] == f"{shown['counter_number']}番窓口"
        for call in public["recent_calls"]:
            assert call["counter_name"] == f"{call['counter_number']}番窓口"
        assert {s["id"] for s in public["services"]} <= {"job", "search", "career"}
    welfare_display = ok(server.request("GET", f"/api/sites/{site}/snapshot",
                                        token(site, "display-welfare")))
    assert [c["label"] for c in welfare_display["counters"]] == [welfare["label"]]
    # The visitor's own ticket names a sensitive desk only by its neutral label.
    slip = ok(server.issue(site, ["housing"], priority=True), 201)
    assert slip["desk"] == "相談窓口" and "priority" not in slip
