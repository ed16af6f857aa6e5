"""Idempotency keys over HTTP: a retried command gets the first answer and changes nothing."""

from __future__ import annotations

import pytest

from tests.api.support import all_waiting, assert_error, journey, ok, ticket, waiting
from tests.harness import ServerProcess, token

pytestmark = pytest.mark.both_stores


def test_a_retried_issue_returns_the_first_ticket(server: ServerProcess, site: str) -> None:
    first = ok(server.issue(site, ["job", "career"], key="tap-1"), 201)
    again = ok(server.issue(site, ["job", "career"], key="tap-1"), 201)
    assert again == first
    assert waiting(server, site, "job") == [first["label"]]
    assert journey(server, site, first["id"]) == ["issued"]
    other = ok(server.issue(site, ["job", "career"], key="tap-2"), 201)
    assert other["id"] != first["id"] and other["label"] != first["label"]
    # Keys belong to one credential: the same key from staff is another request.
    staff = server.request("POST", f"/api/sites/{site}/tickets", token(site, "staff1"),
                           {"services": ["job", "career"]}, key="tap-1")
    assert ok(staff, 201)["id"] not in (first["id"], other["id"])
    assert waiting(server, site, "job") == [first["label"], other["label"], staff.body["label"]]


def test_a_key_reused_for_a_different_request_is_refused(server: ServerProcess,
                                                         site: str) -> None:
    first = ok(server.issue(site, ["job"], key="tap"), 201)
    assert_error(server.issue(site, ["career"], key="tap"), 422, "idempotency_key_reused")
    assert_error(server.issue(site, ["job"], priority=True, key="tap"), 422,
                 "idempotency_key_reused")
    # Under the same key, another route is another request too.
    reply = server.request("POST", f"/api/tickets/{first['id']}/cancel", token(site, "kiosk"),
                           key="tap")
    assert reply.status == 403  # a kiosk may not cancel; the key does not get around that
    reply = server.request("POST", f"/api/sites/{site}/tickets", token(site, "kiosk"),
                           data=b'{"services": ["job"]}',
                           headers={"Content-Type": "application/json", "Idempotency-Key": "tap"})
    assert ok(reply, 201) == first  # the same request, however it is spelled
    assert all_waiting(server, site) == {"job": [first["label"]], "search": [], "career": [],
                                         "welfare": [], "housing": []}


def test_a_retried_call_next_calls_one_visitor_only(server: ServerProcess, site: str) -> None:
    first = ok(server.issue(site, ["job"]), 201)
    second = ok(server.issue(site, ["job"]), 201)
    path = f"/api/sites/{site}/counters/{site}-c1/call-next"
    called = ok(server.request("POST", path, token(site, "staff1"), key="press"))
    again = ok(server.request("POST", path, token(site, "staff1"), key="press"))
    assert again == called and called["ticket"]["id"] == first["id"]
    assert waiting(server, site, "job") == [second["label"]]
    assert ticket(server, site, first["id"])["calls"] == 1
    # A retried recall calls once more, not twice.
    recall = f"/api/tickets/{first['id']}/recall"
    ok(server.request("POST", recall, token(site, "staff1"), key="again"))
    ok(server.request("POST", recall, token(site, "staff1"), key="again"))
    assert ticket(server, site, first["id"])["calls"] == 2


def test_a_refused_command_may_be_retried_with_its_key(server: ServerProcess,
                                                       site: str) -> None:
    path = f"/api/sites/{site}/counters/{site}-c1/call-next"
    staff = token(site, "staff1")
    assert_error(server.request("POST", path, staff, key="press"), 409, "no_waiting_tickets")
    issued = ok(server.issue(site, ["job"]), 201)
    called = ok(server.request("POST", path, staff, key="press"))
    assert called["ticket"]["id"] == issued["id"]
    # A refused finish (unknown outcome) keeps nothing either: the corrected retry runs.
    finish = f"/api/tickets/{issued['id']}/finish"
    assert_error(server.request("POST", finish, staff, {"outcome": "oops"}, key="end"), 422,
                 "unknown_outcome")
    assert_error(server.request("POST", finish, staff, {"outcome": "oops"}, key="end"), 422,
                 "unknown_outcome")
    done = ok(server.request("POST", finish, staff, {"outcome": "consult_only"}, key="end2"))
    assert done["ticket"]["status"] == "done"
    assert ok(server.request("POST", finish, staff, {"outcome": "consult_only"},
                             key="end2")) == done
    assert journey(server, site, issued["id"]) == ["issued", "called", "started", "finished",
                                                   "done"]


def test_a_retried_finish_moves_the_visit_on_once(server: ServerProcess, site: str) -> None:
    visit = ok(server.issue(site, ["job", "career", "housing"]), 201)
    ok(server.call_next(site, "c1"))
    path = f"/api/tickets/{visit['id']}/finish"
    staff = token(site, "staff1")
    first = ok(server.request("POST", path, staff, {"outcome": "consult_only"}, key="f"))
    again = ok(server.request("POST", path, staff, {"outcome": "consult_only"}, key="f"))
    assert again == first
    now = ticket(server, site, visit["id"])
    assert now["service"] == "career" and now["purpose_index"] == 1
    assert journey(server, site, visit["id"]).count("finished") == 1


def test_a_retried_call_by_number_gets_its_answer_after_the_visit_ended(
        server: ServerProcess, site: str) -> None:
    issued = ok(server.issue(site, ["job"]), 201)
    path = f"/api/sites/{site}/counters/{site}-c1/call"
    staff = token(site, "staff1")
    called = ok(server.request("POST", path, staff, {"label": issued["label"]}, key="by-number"))
    ok(server.act(site, issued["id"], "finish", {"outcome": "consult_only"}))
    assert ok(server.request("POST", path, staff, {"label": issued["label"]},
                             key="by-number")) == called
    assert ticket(server, site, issued["id"])["status"] == "done"
    assert_error(server.request("POST", path, staff, {"label": issued["label"]}, key="new"),
                 404, "unknown_ticket")
