"""The end of the day, opening hours and the simulated clock, over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.support import (
    all_waiting,
    assert_error,
    counter,
    counter_action,
    journey,
    ok,
    ticket,
)
from tests.harness import ADMIN, ServerProcess, site_file, token


def test_close_day_ends_live_tickets_and_keeps_their_history(server: ServerProcess,
                                                             site: str) -> None:
    waiting_one = ok(server.issue(site, ["job"]), 201)
    at_counter = ok(server.issue(site, ["career", "job"]), 201)
    finished = ok(server.issue(site, ["job"]), 201)
    parked = ok(server.issue(site, ["welfare"]), 201)
    ok(server.act(site, parked["id"], "park"))
    ok(counter_action(server, site, "c2", "call", "staff2", {"ticket": at_counter["id"]}))
    ok(counter_action(server, site, "c1", "call", body={"ticket": finished["id"]}))
    ok(server.act(site, finished["id"], "finish", {"outcome": "placement"}))
    ok(server.request("POST", f"/api/sites/{site}/counters/{site}-c4/pause",
                      token(site, "manager")))

    body = ok(server.request("POST", f"/api/sites/{site}/close-day", token(site, "manager")))
    assert body == {"site": site, "closed_tickets": 3}

    for closed in (waiting_one, at_counter, parked):
        view = ticket(server, site, closed["id"])
        assert view["status"] == "cancelled" and view["closed_reason"] == "day_closed"
        assert view["label"] == closed["label"]
    assert journey(server, site, at_counter["id"]) == ["issued", "called", "cancelled"]
    assert journey(server, site, parked["id"]) == ["issued", "parked", "cancelled"]
    assert ticket(server, site, finished["id"])["status"] == "done"
    assert journey(server, site, finished["id"])[-1] == "done"
    assert all(not line for line in all_waiting(server, site).values())
    for number in ("c1", "c2", "c3", "c4"):
        state = counter(server, site, number)
        assert state["status"] == "closed" and state["ticket"] is None
    events = ok(server.request("GET", f"/api/sites/{site}/events", token(site, "manager")))
    closing = [e for e in events["events"] if e["kind"] == "day_closed"]
    assert len(closing) == 1 and closing[0]["data"]["closed_tickets"] == 3
    # Closing again finds nothing live; the admin may close any site.
    assert ok(server.request("POST", f"/api/sites/{site}/close-day", ADMIN))[
        "closed_tickets"] == 0
    # The next visitor is served as usual.
    ok(server.issue(site, ["job"]), 201)
    assert ok(server.call_next(site, "c1"))["ticket"]["status"] == "called"


def test_close_day_is_for_managers_and_admins_only(server: ServerProcess,
                                                   module_site: str) -> None:
    site = module_site
    issued = ok(server.issue(site, ["search"]), 201)
    for device in ("staff1", "kiosk", "display"):
        reply = server.request("POST", f"/api/sites/{site}/close-day", token(site, device))
        assert_error(reply, 403, "forbidden_role")
    assert ticket(server, site, issued["id"])["status"] == "waiting"
    assert_error(server.request("POST", f"/api/sites/{site}/close-day", token(site, "manager"),
                                {"everything": True}), 422, "unknown_field", "body.everything")
    assert ticket(server, site, issued["id"])["status"] == "waiting"


def test_the_system_clock_cannot_be_moved(server: ServerProcess) -> None:
    assert_error(server.request("POST", "/api/clock", ADMIN, {"advance_seconds": 60}), 409,
                 "clock_not_simulated")


# ---- a server of its own: opening hours on, time simulated ---------------------------------

@pytest.fixture(scope="module")
def hours_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """Site "a" opens on Mondays 08:30-17:15 only; the clock moves when told."""
    proc = ServerProcess(tmp_path_factory.mktemp("hours"), ["a"],
                         env={"MADOGUCHI_ENFORCE_HOURS": "true", "MADOGUCHI_CLOCK": "simulated"},
                         sites_text=site_file(["a"], extra={"a": 'hours.mon = "08:30-17:15"'}))
    proc.init()
    proc.start()
    yield proc
    proc.stop()


def set_clock(server: ServerProcess, moment: str) -> str:
    return ok(server.request("POST", "/api/clock", ADMIN, {"set": moment}))["now"]


def is_open(server: ServerProcess) -> bool:
    return bool(ok(server.request("GET", "/api/sites/a", token("a", "kiosk")))["open"])


def test_a_closed_site_refuses_tickets_until_it_opens(hours_server: ServerProcess) -> None:
    server = hours_server
    for moment in ("2026-03-01T10:00:00+09:00",  # a Sunday
                   "2026-03-02T07:00:00+09:00",  # a Monday, before opening
                   "2026-03-02T17:15:00+09:00"):  # a Monday, at closing time
        set_clock(server, moment)
        assert not is_open(server)
        before = all_waiting(server, "a")
        assert_error(server.issue("a", ["job"]), 409, "site_closed")
        assert all_waiting(server, "a") == before
    assert set_clock(server, "2026-03-02T10:00:00+09:00") == "2026-03-02T01:00:00+00:00"
    assert is_open(server)
    issued = ok(server.issue("a", ["job"]), 201)
    assert issued["issued_at"] == "2026-03-02T10:00:00+09:00"
    snap = ok(server.request("GET", "/api/sites/a/snapshot", token("a", "display")))
    assert snap["open"] is True and snap["now"] == "2026-03-02T10:00:00+09:00"


def test_a_ticket_issued_before_closing_is_returned_to_a_retry_after(
        hours_server: ServerProcess) -> None:
    server = hours_server
    set_clock(server, "2026-03-02T17:14:50+09:00")
    first = ok(server.issue("a", ["career"], key="last-one"), 201)
    set_clock(server, "2026-03-02T17:15:10+09:00")
    assert ok(server.issue("a", ["career"], key="last-one"), 201) == first
    assert_error(server.issue("a", ["career"], key="too-late"), 409, "site_closed")
    assert all_waiting(server, "a")["career"][-1] == first["label"]


def test_a_long_wait_is_called_first_and_the_reason_says_so(hours_server: ServerProcess) -> None:
    server = hours_server
    set_clock(server, "2026-03-09T09:00:00+09:00")  # the next Monday: a new business day
    ok(server.request("POST", "/api/sites/a/close-day", token("a", "manager")))
    career = ok(server.issue("a", ["career"]), 201)
    ok(server.request("POST", "/api/clock", ADMIN, {"advance_seconds": 50 * 60}))
    job = ok(server.issue("a", ["job"], priority=True), 201)
    assert job["label"] == "1"  # numbering restarted with the new business day
    ok(server.request("POST", "/api/clock", ADMIN, {"advance_seconds": 11 * 60}))
    body = ok(server.request("POST", "/api/sites/a/counters/a-c2/call-next",
                             token("a", "staff2")))
    assert body["ticket"]["id"] == career["id"] and career["label"] == "301"
    assert body["reason_code"] == "max_wait"
    assert body["reason"] == "waited over 60 min since arrival (now for キャリア・カウンセリング)"


@pytest.mark.parametrize(("body", "field"), [
    ({"set": "next monday"}, "body.set"),
    ({"set": "2026-03-02T10:00:00"}, "body.set"),  # no UTC offset
    ({"set": "0001-01-01T00:00:00+09:00"}, "body.set"),
    ({"set": "9999-12-31T23:00:00-09:00"}, "body.set"),
    ({"advance_seconds": -60}, "body.advance_seconds"),
    ({"advance_seconds": "60"}, "body.advance_seconds"),
    ({"rewind": 60}, "body.rewind"),
])
def test_a_bad_clock_setting_is_refused_and_time_stands(hours_server: ServerProcess,
                                                        body: dict[str, object],
                                                        field: str) -> None:
    server = hours_server
    before = ok(server.request("GET", "/api/sites/a/snapshot", token("a", "manager")))["now"]
    reply = server.request("POST", "/api/clock", ADMIN, body)
    assert reply.status == 422, reply.body
    assert reply.body["error"] in ("invalid_field", "unknown_field")
    assert reply.body["field"] == field and reply.body["message"]
    after = ok(server.request("GET", "/api/sites/a/snapshot", token("a", "manager")))["now"]
    assert after == before
