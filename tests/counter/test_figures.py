"""GET /api/sites/{site}/counters/{counter}/today: a counter's own figures for the day."""

from __future__ import annotations

import uuid
from typing import Any

from tests.harness import ADMIN, ServerProcess, token


def staff(server: ServerProcess, method: str, path: str, body: Any = None) -> Any:
    reply = server.request(
        method,
        path,
        token("f", "staff1"),
        body if body is not None else {},
        key=uuid.uuid4().hex if method == "POST" else None,
    )
    assert reply.status < 300, (path, reply.body)
    return reply.body


def advance(server: ServerProcess, seconds: int) -> None:
    assert server.request("POST", "/api/clock", ADMIN, {"advance_seconds": seconds}).status == 200


def call_next(server: ServerProcess, counter: str) -> int:
    body = staff(server, "POST", f"/api/sites/f/counters/{counter}/call-next")
    return int(body["ticket"]["id"])


def test_a_counters_figures_count_its_own_work_of_the_day(
    counter_server: ServerProcess,
) -> None:
    server = counter_server
    one = staff(server, "POST", "/api/sites/f/tickets", {"services": ["job"]})["ticket"]["id"]
    two = staff(server, "POST", "/api/sites/f/tickets", {"services": ["job"]})["ticket"]["id"]
    three = staff(server, "POST", "/api/sites/f/tickets", {"services": ["job", "career"]})[
        "ticket"
    ]["id"]
    advance(server, 120)

    assert call_next(server, "f-c1") == one  # waited 120 s
    advance(server, 60)
    staff(server, "POST", f"/api/tickets/{one}/start", {"counter": "f-c1"})
    advance(server, 300)  # served 300 s
    staff(server, "POST", f"/api/tickets/{one}/finish", {"outcome": "placement"})
    assert call_next(server, "f-c1") == two  # waited 480 s
    staff(server, "POST", f"/api/tickets/{two}/no-show", {})  # back in the queue once
    assert call_next(server, "f-c1") == three  # waited 480 s
    staff(server, "POST", f"/api/tickets/{three}/start", {})
    advance(server, 100)  # served 100 s
    staff(server, "POST", f"/api/tickets/{three}/finish", {"outcome": "consult_only"})
    assert call_next(server, "f-c1") == two  # waited 100 s since it was sent back
    staff(server, "POST", f"/api/tickets/{two}/transfer", {"service": "career"})
    assert call_next(server, "f-c2") in (two, three)  # another counter's work

    figures = server.request("GET", "/api/sites/f/counters/f-c1/today", token("f", "staff1"))
    assert figures.status == 200, figures.body
    assert figures.body == {
        "site": "f",
        "counter": "f-c1",
        "business_day": figures.body["business_day"],
        "called": 4,
        "finished": 2,
        "placements": 1,
        "transferred": 1,
        "no_shows": 1,
        "average_wait_seconds": round((120 + 480 + 480 + 100) / 4),
        "average_service_seconds": round((300 + 100) / 2),
    }
    other = server.request("GET", "/api/sites/f/counters/f-c2/today", ADMIN).body
    assert (other["called"], other["finished"], other["average_service_seconds"]) == (1, 0, None)


def test_figures_of_an_unknown_counter_or_another_site_are_refused(
    counter_server: ServerProcess,
) -> None:
    server = counter_server
    reply = server.request("GET", "/api/sites/f/counters/nope/today", ADMIN)
    assert (reply.status, reply.error) == (404, "unknown_counter")
    reply = server.request("GET", "/api/sites/f/counters/f-c1/today", token("a", "staff1"))
    assert (reply.status, reply.error) == (403, "forbidden_site")
    reply = server.request("GET", "/api/sites/f/counters/f-c1/today", token("f", "display"))
    assert (reply.status, reply.error) == (403, "forbidden_role")
