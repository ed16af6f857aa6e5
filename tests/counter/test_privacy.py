"""What staff see and the waiting room never does: the priority mark and internal notes."""

from __future__ import annotations

import json

import requests
from playwright.sync_api import expect

from tests.counter.console_page import ConsolePage, issue, minutes, public_snapshot
from tests.harness import ADMIN


def test_a_priority_ticket_is_marked_for_staff_and_nowhere_public(console: ConsolePage) -> None:
    server = console.server
    plain = issue(server, ["job"])
    marked = issue(server, ["job"], priority=True)
    mark = console.row(marked["label"]).locator(".prio")
    expect(mark).to_have_text("◆")
    expect(mark).to_have_attribute("title", "支援が必要")
    expect(console.row(plain["label"]).locator(".prio")).to_have_count(0)
    console.screenshot("priority")

    console.press("call")
    console.page.locator("#call-label").fill(marked["label"])
    console.page.locator("#call-submit").click()
    console.expect_in_hand(marked["label"], "called")
    expect(console.page.locator("#hand-priority")).to_be_visible()

    for device in ("display", "kiosk"):
        text = json.dumps(public_snapshot(server, device), ensure_ascii=False)
        assert "priority" not in text and "◆" not in text and "支援" not in text, device
    assert marked["label"] in json.dumps(public_snapshot(server, "display"))  # it is called
    with requests.Session() as http:
        phone = http.get(f"{server.url}/t/{marked['public_token']}/status", timeout=30).json()
    assert "priority" not in json.dumps(phone)


def test_waiting_minutes_follow_the_servers_clock(console: ConsolePage) -> None:
    server = console.server
    first = issue(server, ["job"])["label"]
    expect(console.row(first).locator(".q-wait")).to_have_text("0分")
    reply = server.request("POST", "/api/clock", ADMIN, {"advance_seconds": 7 * 60})
    assert reply.status == 200, reply.body
    second = issue(server, ["job"])["label"]  # any change brings the server's time along
    expect(console.row(second)).to_be_visible()
    assert minutes(console.row(first).locator(".q-wait").inner_text()) >= 7
    assert minutes(console.row(second).locator(".q-wait").inner_text()) <= 1
