"""Counters over HTTP: call-next with its reason, calling one ticket, open, pause, close."""

from __future__ import annotations

import pytest

from tests.api.support import all_waiting, assert_error, counter, counter_action, ok, ticket
from tests.harness import ServerProcess, token

pytestmark = pytest.mark.both_stores


def test_call_next_takes_the_longest_waiting_and_says_why(server: ServerProcess,
                                                          site: str) -> None:
    first = ok(server.issue(site, ["job"]), 201)
    ok(server.issue(site, ["job"]), 201)
    body = ok(server.call_next(site, "c1"))
    assert body["ticket"]["id"] == first["id"]
    assert body["ticket"]["status"] == "called"
    assert body["ticket"]["counter"] == f"{site}-c1" and body["ticket"]["counter_number"] == 1
    assert body["ticket"]["calls"] == 1
    assert body["reason_code"] == "longest_wait"
    assert body["reason"] == "longest waiting in 職業相談・職業紹介"
    assert all_waiting(server, site)["job"] == ["2"]
    # Counter 4 calls its desks in order: career counselling first, though job came first.
    career = ok(server.issue(site, ["career"]), 201)
    reply = server.request("POST", f"/api/sites/{site}/counters/{site}-c4/call-next",
                           token(site, "manager"))
    body = ok(reply)
    assert body["ticket"]["id"] == career["id"]
    assert body["reason_code"] == "service_order"
    assert body["reason"] == "first in order: キャリア・カウンセリング"


def test_call_next_keeps_the_priority_ratio_and_names_the_turn(server: ServerProcess,
                                                               site: str) -> None:
    normal = [ok(server.issue(site, ["job"]), 201)["id"] for _ in range(3)]
    urgent = ok(server.issue(site, ["job"], priority=True), 201)["id"]
    calls = []
    for _ in range(4):
        body = ok(server.call_next(site, "c1"))
        calls.append((body["ticket"]["id"], body["reason_code"], body["reason"]))
        ok(server.act(site, body["ticket"]["id"], "finish", {"outcome": "consult_only"}))
    # 2 normal : 1 priority, then the last normal one.
    assert [c[0] for c in calls] == [normal[0], normal[1], urgent, normal[2]]
    assert calls[2][1:] == ("priority", "priority 1 of 3")
    assert calls[3][1] == "longest_wait"


def test_call_next_with_nobody_waiting_is_refused(server: ServerProcess, site: str) -> None:
    ok(server.issue(site, ["career"]), 201)  # counter 1 serves only job
    assert_error(server.call_next(site, "c1"), 409, "no_waiting_tickets")
    assert counter(server, site, "c1")["ticket"] is None
    assert all_waiting(server, site)["career"] == ["301"]
    # Counter 2 serves career counselling too; calling opens the closed counter.
    assert counter(server, site, "c2")["status"] == "closed"
    assert ok(server.call_next(site, "c2", staff="staff2"))["ticket"]["label"] == "301"
    assert counter(server, site, "c2")["status"] == "open"


def test_a_counter_holding_a_ticket_cannot_call_another(server: ServerProcess,
                                                        site: str) -> None:
    held = ok(server.issue(site, ["job"]), 201)
    other = ok(server.issue(site, ["job"]), 201)
    ok(server.call_next(site, "c1"))
    assert_error(server.call_next(site, "c1"), 409, "counter_busy")
    reply = counter_action(server, site, "c1", "call", body={"ticket": other["id"]})
    assert_error(reply, 409, "counter_busy")
    assert counter(server, site, "c1")["ticket"]["id"] == held["id"]
    assert ticket(server, site, other["id"])["status"] == "waiting"


def test_staff_call_one_ticket_by_id_or_by_its_number(server: ServerProcess, site: str) -> None:
    first = ok(server.issue(site, ["job"]), 201)
    second = ok(server.issue(site, ["job"]), 201)
    third = ok(server.issue(site, ["career"]), 201)
    by_id = ok(counter_action(server, site, "c1", "call", body={"ticket": second["id"]}))
    assert by_id["ticket"]["id"] == second["id"]
    assert (by_id["reason_code"], by_id["reason"]) == ("chosen", "called by staff")
    by_label = ok(counter_action(server, site, "c2", "call", "staff2",
                                 {"label": third["label"]}))
    assert by_label["ticket"]["id"] == third["id"]
    assert by_label["ticket"]["counter"] == f"{site}-c2"
    assert all_waiting(server, site)["job"] == [first["label"]]


def test_calling_one_ticket_is_refused_when_it_cannot_be(server: ServerProcess,
                                                         site: str) -> None:
    job = ok(server.issue(site, ["job"]), 201)
    career = ok(server.issue(site, ["career"]), 201)
    # Counter 1 does not serve career counselling.
    reply = counter_action(server, site, "c1", "call", body={"ticket": career["id"]})
    assert_error(reply, 409, "service_not_served")
    assert_error(counter_action(server, site, "c1", "call", body={"label": "9"}), 404,
                 "unknown_ticket")
    assert_error(counter_action(server, site, "c1", "call", body={"ticket": 10**9}), 404,
                 "unknown_ticket")
    assert_error(counter_action(server, site, "c1", "call", body={}), 422, "invalid_field",
                 field="body.ticket")
    assert_error(counter_action(server, site, "c1", "call", body={"ticket": str(job["id"])}),
                 422, "invalid_field", field="body.ticket")
    # A ticket already called elsewhere cannot be called here.
    ok(counter_action(server, site, "c2", "call", "staff2", {"ticket": job["id"]}))
    reply = counter_action(server, site, "c1", "call", body={"ticket": job["id"]})
    assert_error(reply, 409, "invalid_transition")
    assert ticket(server, site, job["id"])["counter"] == f"{site}-c2"
    assert counter(server, site, "c1")["ticket"] is None
    assert all_waiting(server, site)["career"] == [career["label"]]


def test_open_pause_resume_and_close_a_counter(server: ServerProcess, site: str) -> None:
    assert counter(server, site, "c1")["status"] == "closed"
    opened = ok(counter_action(server, site, "c1", "open"))
    assert opened["status"] == "open" and opened["staff"] == f"{site}-staff1"
    paused = ok(counter_action(server, site, "c1", "pause"))
    assert paused["status"] == "paused"
    ok(server.issue(site, ["job"]), 201)
    assert_error(server.call_next(site, "c1"), 409, "counter_paused")
    assert all_waiting(server, site)["job"] == ["1"]
    assert ok(counter_action(server, site, "c1", "resume"))["status"] == "open"
    held = ok(server.call_next(site, "c1"))["ticket"]
    assert_error(counter_action(server, site, "c1", "close"), 409, "counter_busy")
    assert counter(server, site, "c1")["status"] == "open"
    ok(server.act(site, held["id"], "finish", {"outcome": "consult_only"}))
    closed = ok(counter_action(server, site, "c1", "close"))
    assert closed["status"] == "closed" and closed["staff"] is None
    kinds = [e["kind"] for e in ok(server.request(
        "GET", f"/api/sites/{site}/events", token(site, "manager")))["events"]
        if e["kind"].startswith("counter_")]
    assert kinds == ["counter_opened", "counter_paused", "counter_resumed", "counter_closed"]


def test_unknown_counters_are_refused_by_every_counter_route(server: ServerProcess,
                                                             module_site: str) -> None:
    site = module_site
    for action in ("call-next", "open", "pause", "resume", "close"):
        assert_error(counter_action(server, site, "c9", action), 404, "unknown_counter")
    assert_error(counter_action(server, site, "c9", "call", body={"ticket": 1}), 404,
                 "unknown_counter")
    # Another site's counter is not this site's (s01's, or s02's when this test has s01:
    # run alone, it takes the pool's first site).
    other = "s02" if site == "s01" else "s01"
    reply = server.request("POST", f"/api/sites/{site}/counters/{other}-c1/call-next",
                           token(site, "staff1"))
    assert_error(reply, 404, "unknown_counter")
