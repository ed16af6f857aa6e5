"""The turn of the business day: the automatic close touches only the day it closes, numbers
never repeat whatever the clock does, and a closed day's tickets stay readable to staff."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.api.support import assert_error, counter, ok, ticket
from tests.harness import ADMIN, ServerProcess, token

TOKYO = ZoneInfo("Asia/Tokyo")
SIMULATED = {"MADOGUCHI_CLOCK": "simulated", "MADOGUCHI_HOUSEKEEPING_SECONDS": "1"}


@pytest.fixture
def turning_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server of its own on the simulated clock, whose housekeeping runs every second."""
    proc = ServerProcess(tmp_path, ["a", "b"], env=SIMULATED)
    proc.init()
    proc.start()
    yield proc
    proc.stop()


def set_clock(server: ServerProcess, moment: str) -> None:
    ok(server.request("POST", "/api/clock", ADMIN, {"set": moment}))


def automatic_closes(server: ServerProcess, site: str) -> list[dict[str, object]]:
    body = ok(server.request("GET", f"/api/sites/{site}/events", token(site, "manager")))
    return [e for e in body["events"] if e["kind"] == "day_closed" and e["staff"] == "auto"]


def wait_for_automatic_close(server: ServerProcess, site: str) -> dict[str, object]:
    """Housekeeping runs every second here: wait (bounded) until it has closed a day."""
    deadline = time.monotonic() + 30
    while not (found := automatic_closes(server, site)):
        assert time.monotonic() < deadline, "housekeeping closed no day"
        time.sleep(0.2)
    return found[0]


def test_the_automatic_close_leaves_the_new_days_tickets_and_counters(
    turning_server: ServerProcess,
) -> None:
    """Issue at 16:00; at 04:00:30 the next day issue and call B: closing yesterday must
    leave B called at its counter (it was cancelled with day_closed ~61 s later)."""
    server = turning_server
    set_clock(server, "2026-04-06T16:00:00+09:00")
    yesterday = ok(server.issue("a", ["job"]), 201)
    set_clock(server, "2026-04-07T04:00:30+09:00")
    today = ok(server.issue("a", ["job"]), 201)
    called = ok(
        server.request(
            "POST", "/api/sites/a/counters/a-c1/call", token("a", "staff1"), {"ticket": today["id"]}
        )
    )
    assert called["ticket"]["status"] == "called"

    closing = wait_for_automatic_close(server, "a")
    assert closing["data"] == {"closed_tickets": 1, "business_day": "2026-04-06"}
    left = ticket(server, "a", yesterday["id"])
    assert (left["status"], left["closed_reason"]) == ("cancelled", "day_closed")
    kept = ticket(server, "a", today["id"])
    assert (kept["status"], kept["closed_reason"]) == ("called", None)
    state = counter(server, "a", "c1")
    assert state["status"] == "open" and state["ticket"]["id"] == today["id"]
    assert len(automatic_closes(server, "a")) == 1  # and it does not close again


def test_a_server_started_the_next_morning_keeps_its_first_ticket(
    turning_server: ServerProcess,
) -> None:
    """Switched off overnight with a visitor still waiting; started next morning: the first
    ticket issued in its first minute stays waiting when yesterday is closed."""
    server = turning_server
    now = datetime.now(TOKYO)
    yesterday = (now - timedelta(hours=4)).date() - timedelta(days=1)
    set_clock(server, f"{yesterday.isoformat()}T16:00:00+09:00")
    left_over = ok(server.issue("a", ["career"]), 201)
    server.stop()
    server.start()  # the simulated clock starts again at the real time: this morning
    first = ok(server.issue("a", ["career"]), 201)
    closing = wait_for_automatic_close(server, "a")
    assert closing["data"]["business_day"] == yesterday.isoformat()
    assert ticket(server, "a", left_over["id"])["closed_reason"] == "day_closed"
    kept = ticket(server, "a", first["id"])
    assert (kept["status"], kept["closed_reason"]) == ("waiting", None)


def test_a_number_is_not_given_twice_when_the_clock_goes_back(
    turning_server: ServerProcess,
) -> None:
    """The clock stepped back across the day's start gave number 1 twice on one day."""
    server = turning_server
    set_clock(server, "2026-04-06T10:00:00+09:00")
    first = ok(server.issue("b", ["job"]), 201)
    ok(server.act("b", first["id"], "cancel"))
    set_clock(server, "2026-04-07T04:00:10+09:00")
    second = ok(server.issue("b", ["job"]), 201)
    ok(server.act("b", second["id"], "cancel"))
    set_clock(server, "2026-04-07T03:59:40+09:00")  # back across the day's start
    third = ok(server.issue("b", ["job"]), 201)
    set_clock(server, "2026-04-07T04:00:20+09:00")
    fourth = ok(server.issue("b", ["job"]), 201)

    seen = [ticket(server, "b", t["id"]) for t in (first, second, third, fourth)]
    assert [(t["business_day"], t["label"]) for t in seen] == [
        ("2026-04-06", "1"),
        ("2026-04-07", "1"),
        ("2026-04-07", "2"),
        ("2026-04-07", "3"),
    ]
    log = server.log.read_text(encoding="utf-8")
    assert "clock went back 30 s" in log, log[-2000:]


def test_a_closed_days_tickets_stay_readable_to_staff_only(
    turning_server: ServerProcess,
) -> None:
    """Ended tickets answered 404 once their day was closed: staff could not look up
    yesterday's journey."""
    server = turning_server
    set_clock(server, "2026-04-06T10:00:00+09:00")
    done = ok(server.issue("b", ["career"]), 201)
    ok(
        server.request(
            "POST", "/api/sites/b/counters/b-c2/call", token("b", "staff2"), {"ticket": done["id"]}
        )
    )
    ok(server.act("b", done["id"], "finish", {"outcome": "consult_only"}))
    set_clock(server, "2026-04-08T10:00:00+09:00")
    ok(server.request("POST", "/api/sites/b/close-day", token("b", "manager")))
    for reader in (token("b", "staff1"), token("b", "manager"), ADMIN):
        body = ok(server.request("GET", f"/api/tickets/{done['id']}", reader))
        assert body["ticket"]["status"] == "done"
        assert body["ticket"]["business_day"] == "2026-04-06"
        assert [e["kind"] for e in body["journey"]] == [
            "issued",
            "called",
            "started",
            "finished",
            "done",
        ]
    for device in ("kiosk", "display"):
        assert_error(
            server.request("GET", f"/api/tickets/{done['id']}", token("b", device)),
            403,
            "forbidden_role",
        )
    assert_error(
        server.request("GET", f"/api/tickets/{done['id']}", token("a", "manager")),
        403,
        "forbidden_site",
    )
    server.stop()
    server.start()  # read back from the store, not from memory
    assert ticket(server, "b", done["id"])["status"] == "done"
    assert_error(server.request("GET", "/api/tickets/999999", ADMIN), 404, "unknown_ticket")
