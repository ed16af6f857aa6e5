"""A visitor told of their call on their phone, on the console: marked スマホ通知 in the queue (they
may be away from the waiting room) and in hand, and their 不在 (no-show) refused until the
site's grace time has passed since the call, for someone walking back."""

from __future__ import annotations

import requests
from playwright.sync_api import expect

from tests.counter.conftest import OpenConsole
from tests.counter.console_page import ConsolePage, error, issue, ui
from tests.fakes.push_service import PushService
from tests.harness import ADMIN

GRACE_MINUTES = 5  # the sites' away_grace_minutes: the default


def no_show(console: ConsolePage) -> None:
    """不在, sent at once rather than after the undo time."""
    console.press("no-show")
    console.page.locator("#undo-commit").click()


def test_a_notified_visitor_is_marked_and_their_no_show_waits_the_grace_time(
    open_console: OpenConsole, push_stand_in: PushService
) -> None:
    # suzuki works for Hello Work, whose desk 職業相談・職業紹介 counter 1 serves: its queue's
    # numbers are theirs to see.
    console = open_console("suzuki", "a-c1")
    server = console.server
    notified, plain = issue(server, ["job"]), issue(server, ["job"])
    expect(console.row(plain["label"])).to_be_visible()
    mark = console.row(notified["label"]).locator(".q-away")
    expect(mark).to_have_count(0)  # not yet: the visitor has not turned notices on
    phone = push_stand_in.subscribe()
    answer = requests.post(
        f"{server.url}/t/{notified['public_token']}/notify/push", json=phone.json(), timeout=30
    )
    assert answer.status_code == 201, answer.text
    expect(mark).to_have_text(ui("hand.notified"))  # pushed to the open console
    expect(mark).to_have_attribute("title", ui("queues.notified"))
    expect(console.row(plain["label"]).locator(".q-away")).to_have_count(0)

    console.press("call-next")
    console.expect_in_hand(notified["label"], "called")
    expect(console.page.locator("#hand-away-row")).to_be_visible()
    expect(console.page.locator("#hand-away")).to_have_text(ui("hand.notified_note"))
    called = push_stand_in.wait_for(2, phone.endpoint)  # told it was near, then called
    assert [p.payload["kind"] for p in called] == ["near", "called"]

    no_show(console)  # at once: the visitor may be walking back
    console.expect_error(error("no_show_too_soon", minutes=GRACE_MINUTES))
    console.expect_in_hand(notified["label"], "called")
    moved = server.request("POST", "/api/clock", ADMIN, {"advance_seconds": GRACE_MINUTES * 60})
    assert moved.status == 200, moved.body
    no_show(console)
    console.expect_ack(ui("ack.no-show_requeued", label=notified["label"]))
    expect(mark).to_have_text(ui("hand.notified"))  # back in the queue once, still notified
    console.screenshot("notified")

    console.press("call-next")  # the visitor without notices: no grace time
    console.expect_in_hand(plain["label"], "called")
    expect(console.page.locator("#hand-away-row")).to_be_hidden()
    no_show(console)
    console.expect_ack(ui("ack.no-show_requeued", label=plain["label"]))
