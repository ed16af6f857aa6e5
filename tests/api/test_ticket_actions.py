"""A ticket's life over HTTP: recall, start, no-show, finish, transfer, park, return, cancel."""

from __future__ import annotations

import pytest

from tests.api.support import (
    all_waiting,
    assert_error,
    counter,
    journey,
    ok,
    ticket,
    waiting,
)
from tests.harness import ServerProcess, token

pytestmark = pytest.mark.both_stores


def test_recall_counts_the_calls_and_start_serves(server: ServerProcess, site: str) -> None:
    issued = ok(server.issue(site, ["job"]), 201)
    ok(server.call_next(site, "c1"))
    recalled = ok(server.act(site, issued["id"], "recall"))["ticket"]
    assert recalled["status"] == "called" and recalled["calls"] == 2
    again = ok(server.act(site, issued["id"], "recall", {"counter": f"{site}-c1"}))["ticket"]
    assert again["calls"] == 3
    started = ok(server.act(site, issued["id"], "start"))["ticket"]
    assert started["status"] == "serving" and started["counter"] == f"{site}-c1"
    # Serving visitors are not called again.
    assert_error(server.act(site, issued["id"], "recall"), 409, "invalid_transition")
    assert_error(server.act(site, issued["id"], "start"), 409, "invalid_transition")
    assert ticket(server, site, issued["id"])["status"] == "serving"
    assert journey(server, site, issued["id"]) == ["issued", "called", "recalled", "recalled",
                                                   "started"]


def test_a_no_show_goes_back_once_then_ends(server: ServerProcess, site: str) -> None:
    absent = ok(server.issue(site, ["job"]), 201)
    later = ok(server.issue(site, ["job"]), 201)
    # Only a called visitor can be absent.
    assert_error(server.act(site, absent["id"], "no-show"), 409, "invalid_transition")
    ok(server.call_next(site, "c1"))
    back = ok(server.act(site, absent["id"], "no-show"))["ticket"]
    assert back["status"] == "waiting" and back["requeues"] == 1 and back["counter"] is None
    # Sent back, the absent visitor now waits behind those who came later.
    assert waiting(server, site, "job") == [later["label"], absent["label"]]
    assert counter(server, site, "c1")["ticket"] is None
    ok(server.act(site, ok(server.call_next(site, "c1"))["ticket"]["id"], "finish",
                  {"outcome": "consult_only"}))
    assert ok(server.call_next(site, "c1"))["ticket"]["id"] == absent["id"]
    ended = ok(server.act(site, absent["id"], "no-show"))["ticket"]
    assert ended["status"] == "no_show"
    assert waiting(server, site, "job") == []
    assert_error(server.act(site, absent["id"], "no-show"), 409, "invalid_transition")
    assert journey(server, site, absent["id"]) == ["issued", "called", "requeued", "called",
                                                   "no_show"]
    # A visitor being served is there: no no-show for them.
    present = ok(server.issue(site, ["job"]), 201)
    ok(server.call_next(site, "c1"))
    ok(server.act(site, present["id"], "start"))
    assert_error(server.act(site, present["id"], "no-show"), 409, "invalid_transition")
    assert ticket(server, site, present["id"])["status"] == "serving"


def test_finishing_a_stage_queues_the_next_purpose_with_the_same_number(
        server: ServerProcess, site: str) -> None:
    visit = ok(server.issue(site, ["career", "job"]), 201)
    ok(server.call_next(site, "c2", staff="staff2"))
    ok(server.act(site, visit["id"], "start", staff="staff2"))
    moved = ok(server.act(site, visit["id"], "finish", {"outcome": "referral_issued"},
                          "staff2"))["ticket"]
    assert moved["status"] == "waiting" and moved["service"] == "job"
    assert moved["label"] == visit["label"] == "301"
    assert moved["purpose_index"] == 1 and moved["stage"] == 1
    assert counter(server, site, "c2")["ticket"] is None
    assert waiting(server, site, "job") == ["301"]
    # The last stage ends the visit; finishing a called ticket implies its start.
    ok(server.call_next(site, "c1"))
    done = ok(server.act(site, visit["id"], "finish", {"outcome": "placement"}))["ticket"]
    assert done["status"] == "done"
    assert journey(server, site, visit["id"]) == [
        "issued", "called", "started", "finished", "queued", "called", "started", "finished",
        "done"]
    events = ok(server.request("GET", f"/api/tickets/{visit['id']}",
                               token(site, "manager")))["journey"]
    outcomes = [e["data"]["outcome"] for e in events if e["kind"] == "finished"]
    assert outcomes == ["referral_issued", "placement"]
    assert_error(server.act(site, visit["id"], "finish", {"outcome": "placement"}), 409,
                 "invalid_transition")


def test_refused_actions_at_the_counter_change_nothing(server: ServerProcess,
                                                      site: str) -> None:
    issued = ok(server.issue(site, ["job"]), 201)
    ok(server.call_next(site, "c1"))
    before = ticket(server, site, issued["id"])
    elsewhere = {"counter": f"{site}-c2"}
    for action, body in (("recall", elsewhere), ("start", elsewhere), ("no-show", elsewhere),
                         ("finish", {**elsewhere, "outcome": "consult_only"}),
                         ("transfer", {**elsewhere, "service": "career"})):
        assert_error(server.act(site, issued["id"], action, body, "staff2"), 409,
                     "not_at_this_counter")
    assert_error(server.act(site, issued["id"], "finish", {"outcome": "hired_somehow"}), 422,
                 "unknown_outcome")
    assert_error(server.act(site, issued["id"], "finish", {}), 422, "invalid_field",
                 field="body.outcome")
    assert ticket(server, site, issued["id"]) == before
    assert before["status"] == "called" and before["calls"] == 1
    assert journey(server, site, issued["id"]) == ["issued", "called"]


def test_transfer_keeps_the_number_and_place_in_time(server: ServerProcess, site: str) -> None:
    moving = ok(server.issue(site, ["job"]), 201)
    came_later = ok(server.issue(site, ["career"]), 201)
    ok(server.call_next(site, "c1"))
    note = "紹介状の件で相談済み"
    moved = ok(server.act(site, moving["id"], "transfer",
                          {"service": "career", "note": note}))["ticket"]
    assert moved["status"] == "waiting" and moved["service"] == "career"
    assert moved["label"] == moving["label"] and moved["transferred_from"] == "job"
    assert moved["purposes"] == ["job", "career"] and moved["rank_at"] == moving["issued_at"]
    assert moved["note"] == note
    # Arrived earlier, so it waits ahead of the visitor who came later to career counselling.
    assert waiting(server, site, "career") == [moving["label"], came_later["label"]]
    assert counter(server, site, "c1")["ticket"] is None
    # The note is for staff: neither the public snapshot nor any visitor view carries it.
    for device in ("kiosk", "display"):
        public = server.request("GET", f"/api/sites/{site}/snapshot", token(site, device))
        assert note not in str(ok(public))
    assert ticket(server, site, moving["id"])["note"] == note


def test_a_refused_transfer_leaves_the_ticket_as_it_was(server: ServerProcess,
                                                        site: str) -> None:
    issued = ok(server.issue(site, ["job"]), 201)
    waiting_one = ok(server.issue(site, ["job"]), 201)
    ok(server.call_next(site, "c1"))
    before = ticket(server, site, issued["id"])
    assert_error(server.act(site, issued["id"], "transfer", {"service": "tax"}), 404,
                 "unknown_service")
    assert_error(server.act(site, issued["id"], "transfer", {"service": "job"}), 409,
                 "same_service")
    assert_error(server.act(site, issued["id"], "transfer", {"service": 5}), 422,
                 "invalid_field", field="body.service")
    assert_error(server.act(site, issued["id"], "transfer", {"note": "x"}), 422,
                 "invalid_field", field="body.service")
    assert_error(server.act(site, issued["id"], "transfer", {"service": "career",
                                                            "note": "x" * 201}),
                 422, "invalid_field", field="body.note")
    assert ticket(server, site, issued["id"]) == before
    assert all_waiting(server, site)["career"] == []
    # A waiting ticket is not at a counter: it cannot be transferred.
    assert_error(server.act(site, waiting_one["id"], "transfer", {"service": "career"}), 409,
                 "invalid_transition")
    assert waiting(server, site, "job") == [waiting_one["label"]]


def test_park_sets_a_ticket_aside_and_return_restores_its_place(server: ServerProcess,
                                                                site: str) -> None:
    first = ok(server.issue(site, ["job"]), 201)
    second = ok(server.issue(site, ["job"]), 201)
    parked = ok(server.act(site, first["id"], "park"))["ticket"]
    assert parked["status"] == "parked"
    assert waiting(server, site, "job") == [second["label"]]
    snap = ok(server.request("GET", f"/api/sites/{site}/snapshot", token(site, "staff1")))
    assert [t["id"] for t in snap["parked"]] == [first["id"]]
    assert_error(server.act(site, first["id"], "park"), 409, "invalid_transition")
    returned = ok(server.act(site, first["id"], "return"))["ticket"]
    assert returned["status"] == "waiting" and returned["label"] == first["label"]
    assert waiting(server, site, "job") == [first["label"], second["label"]]
    assert_error(server.act(site, first["id"], "return"), 409, "invalid_transition")
    # A called visitor may be parked too: the counter is then free.
    ok(server.call_next(site, "c1"))
    ok(server.act(site, first["id"], "park"))
    assert counter(server, site, "c1")["ticket"] is None
    assert ok(server.call_next(site, "c1"))["ticket"]["id"] == second["id"]


def test_cancel_ends_a_visit_wherever_it_is(server: ServerProcess, site: str) -> None:
    in_line = ok(server.issue(site, ["job"]), 201)
    at_counter = ok(server.issue(site, ["job"]), 201)
    cancelled = ok(server.act(site, in_line["id"], "cancel", {"reason": "left"}))["ticket"]
    assert cancelled["status"] == "cancelled" and cancelled["closed_reason"] == "left"
    ok(server.call_next(site, "c1"))
    gone = ok(server.act(site, at_counter["id"], "cancel"))["ticket"]
    assert gone["closed_reason"] == "cancelled"
    assert counter(server, site, "c1")["ticket"] is None
    assert waiting(server, site, "job") == []
    for action, body in (("cancel", {}), ("park", {}), ("return", {}), ("recall", {}),
                         ("start", {}), ("finish", {"outcome": "consult_only"}),
                         ("transfer", {"service": "career"})):
        assert_error(server.act(site, in_line["id"], action, body), 409, "invalid_transition")
    assert ticket(server, site, in_line["id"])["status"] == "cancelled"
    assert journey(server, site, in_line["id"]) == ["issued", "cancelled"]


def test_unknown_tickets_are_refused_by_every_ticket_route(server: ServerProcess,
                                                           module_site: str) -> None:
    bodies = {"finish": {"outcome": "consult_only"}, "transfer": {"service": "career"}}
    for action in ("recall", "start", "no-show", "finish", "transfer", "park", "return",
                   "cancel"):
        reply = server.act(module_site, 10**9, action, bodies.get(action))
        assert_error(reply, 404, "unknown_ticket")
    assert_error(server.request("GET", f"/api/tickets/{10**9}", token(module_site, "staff1")),
                 404, "unknown_ticket")
