"""A kiosk asks for staff ("need help", "call staff"): staff hear it, the waiting room does not."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import KIOSK_SITE
from tests.harness import ServerProcess, token


def alert(server: ServerProcess, site: str, body: dict[str, Any], device: str = "kiosk") -> Any:
    return server.request(
        "POST", f"/api/sites/{site}/alerts", token(site, device), body, key=uuid.uuid4().hex
    )


@pytest.mark.parametrize("kind", ["need_help", "call_staff"])
def test_a_kiosk_alert_reaches_staff_and_no_public_screen(
    server: ServerProcess, site: str, watch: Any, kind: str
) -> None:
    staff, kiosk = watch(server, site, "staff1"), watch(server, site, "kiosk")
    display = watch(server, site, "display")
    ticket = server.issue(site, ["job"], priority=kind == "need_help").body

    reply = alert(server, site, {"kind": kind, "ticket": ticket["id"]})

    assert reply.status == 202, reply.body
    assert reply.body == {"alert": kind, "ticket": ticket["id"], "id": reply.body["id"]}
    pushed = staff.wait_for_event(lambda e: e["kind"] == "staff_alert")
    assert pushed["data"] == {"alert": kind, "label": ticket["label"], "id": reply.body["id"],
                              "where": "発券機"}
    assert (pushed["ticket"], pushed["staff"]) == (ticket["id"], f"{site}-kiosk")
    # Something every public screen hears after the alert (a kiosk hears only the day's
    # close): once it arrives, the alert would have too.
    closed = server.request("POST", f"/api/sites/{site}/close-day", token(site, "manager"))
    assert closed.status == 200, closed.body
    for screen in (kiosk, display):
        screen.wait_for_event(
            lambda e, s=pushed["seq"]: e["kind"] == "day_closed" and e["seq"] > s)
        assert screen.events("staff_alert") == []


def test_call_staff_without_a_ticket_is_accepted(
    server: ServerProcess, site: str, watch: Any
) -> None:
    staff = watch(server, site, "staff1")
    reply = alert(server, site, {"kind": "call_staff"})
    assert (reply.status, reply.body) == (202, {"alert": "call_staff", "ticket": None,
                                                "id": reply.body.get("id")})
    pushed = staff.wait_for_event(lambda e: e["kind"] == "staff_alert")
    assert (pushed["ticket"], pushed["data"]["label"]) == (None, None)


def test_bad_alerts_are_refused_with_a_code(server: ServerProcess, site: str) -> None:
    for body in ({"kind": "printer_failed"}, {}, {"kind": "need_help", "ticket": "A-1"}):
        assert alert(server, site, body).error == "invalid_field", body
    assert alert(server, site, {"kind": "need_help", "ticket": 10**9}).error == "unknown_ticket"
    display = alert(server, site, {"kind": "call_staff"}, device="display")
    assert (display.status, display.error) == (403, "forbidden_role")
    other = server.request(
        "POST",
        f"/api/sites/{site}/alerts",
        token(KIOSK_SITE, "kiosk"),  # never a test's own site (s01 may be)
        {"kind": "call_staff"},
        key=uuid.uuid4().hex,
    )
    assert (other.status, other.error) == (403, "forbidden_site")
