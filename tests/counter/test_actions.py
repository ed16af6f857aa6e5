"""Every action of the console through its buttons, each acknowledged once the server said
yes, refused in plain Japanese when the server says no."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from tests.counter.console_page import (
    DESKS,
    ConsolePage,
    error,
    issue,
    public_snapshot,
    today,
    ui,
    waiting,
)
from tests.harness import ServerProcess


def test_call_next_shows_the_number_and_the_reason_in_japanese(console: ConsolePage) -> None:
    label = issue(console.server, ["job"])["label"]
    expect(console.row(label)).to_be_visible()  # pushed to the console live

    console.press("call-next")
    console.expect_ack(ui("ack.call-next", label=label))
    console.expect_in_hand(label, "called")
    expect(console.page.locator("#reason-text")).to_have_text("最も長くお待ちの方")
    expect(console.page.locator("#reason-desk")).to_have_text(f"（{DESKS['job']}）")
    expect(console.page.locator("#reason")).not_to_contain_text("longest")
    expect(console.row(label)).to_have_count(0)
    expect(console.page.locator("#hand-desk")).to_have_text(DESKS["job"])
    expect(console.page.locator("#journey li[data-kind=called]")).to_have_count(1)
    figures = today(console.server, "a-c1")
    expect(console.page.locator("#fig-called")).to_have_text(str(figures["called"]))
    console.screenshot("called")


def test_recall_start_and_finish_with_an_outcome_queue_the_visits_next_desk(
    console: ConsolePage,
) -> None:
    ticket = issue(console.server, ["job", "career"])
    label = ticket["label"]
    console.press("call-next")
    console.expect_in_hand(label, "called")

    console.press("recall")
    console.expect_ack(ui("ack.recall", label=label, calls=2))
    expect(console.page.locator("#hand-calls")).to_have_text("2回")
    console.press("start")
    console.expect_ack(ui("ack.start", label=label))
    console.expect_in_hand(label, "serving")
    expect(console.page.locator("#hand-status")).to_have_text("対応中")
    expect(console.page.locator("#journey li[data-kind=started]")).to_have_count(1)
    console.screenshot("serving")

    console.press("finish")
    expect(console.page.locator("#dlg-finish")).to_be_visible()
    console.screenshot("finish-picker")
    console.pick("finish", "紹介状発行")
    console.expect_ack(
        ui("ack.finish_next", label=label, outcome="紹介状発行", desk=DESKS["career"])
    )
    expect(console.hand_state()).to_have_attribute("data-state", "empty")
    assert [t["label"] for t in waiting(console.server, "career")] == [label]


def test_transfer_carries_an_internal_note_that_public_screens_never_get(
    console: ConsolePage,
    server: ServerProcess,
) -> None:
    label = issue(server, ["job"])["label"]
    console.press("call-next")
    console.expect_in_hand(label, "called")
    console.press("transfer")
    expect(console.page.locator("#dlg-transfer")).to_be_visible()
    expect(console.page.locator("#dlg-transfer .pick", has_text=DESKS["job"])).to_have_count(0)
    console.pick("transfer", DESKS["career"])
    console.page.locator("#transfer-note").fill("家賃の滞納について相談したい")
    console.screenshot("transfer")
    console.page.locator("#transfer-submit").click()
    console.expect_ack(ui("ack.transfer", label=label, desk=DESKS["career"]))

    moved = waiting(server, "career")
    assert [(t["label"], t["transferred_from"], t["note"]) for t in moved] == [
        (label, "job", "家賃の滞納について相談したい")
    ]
    for device in ("display", "kiosk"):
        assert "家賃" not in json.dumps(public_snapshot(server, device), ensure_ascii=False)


def test_park_sets_aside_and_return_puts_back_in_the_queue(console: ConsolePage) -> None:
    label = issue(console.server, ["job"])["label"]
    console.press("call-next")
    console.expect_in_hand(label, "called")
    console.press("park")
    console.expect_ack(ui("ack.park", label=label))
    expect(console.parked_row(label)).to_be_visible()
    expect(console.row(label)).to_have_count(0)
    expect(console.hand_state()).to_have_attribute("data-state", "empty")

    console.press("return")
    console.pick("return", label)
    console.expect_ack(ui("ack.return", label=label))
    expect(console.row(label)).to_be_visible()
    expect(console.parked_row(label)).to_have_count(0)


def test_no_show_sends_the_visitor_back_once_then_ends_the_visit(console: ConsolePage) -> None:
    label = issue(console.server, ["job"])["label"]
    console.press("call-next")
    console.press("no-show")
    console.page.locator("#undo-commit").click()  # not waiting for the undo time to pass
    console.expect_ack(ui("ack.no-show_requeued", label=label))
    expect(console.row(label).locator(".q-tag")).to_have_text("不在")

    console.press("call-next")
    console.expect_in_hand(label, "called")
    console.press("no-show")
    console.page.locator("#undo-commit").click()
    console.expect_ack(ui("ack.no-show", label=label))
    expect(console.row(label)).to_have_count(0)
    expect(console.hand_state()).to_have_attribute("data-state", "empty")


def test_a_paused_counter_is_refused_call_next_in_japanese_until_resumed(
    console: ConsolePage,
) -> None:
    console.press("pause")
    console.expect_ack(ui("ack.pause"))
    expect(console.page.locator("#counter-status")).to_have_text("休止中")
    expect(console.page.locator("#label-pause")).to_have_text(ui("action.resume"))
    label = issue(console.server, ["job"])["label"]
    expect(console.row(label)).to_be_visible()

    console.press("call-next")
    console.expect_error(error("counter_paused"))
    expect(console.ack).to_have_text("")
    console.screenshot("paused-refused")
    expect(console.row(label)).to_be_visible()

    console.press("pause")  # the same button now resumes
    console.expect_ack(ui("ack.resume"))
    expect(console.alert).to_be_hidden()
    expect(console.page.locator("#counter-status")).to_have_text("受付中")
    console.press("call-next")
    console.expect_in_hand(label, "called")


def test_call_a_given_number_and_be_told_when_there_is_no_such_number(
    console: ConsolePage,
) -> None:
    first = issue(console.server, ["job"])["label"]
    second = issue(console.server, ["job"])["label"]
    console.press("call")
    console.page.locator("#call-label").fill("98765")
    console.page.locator("#call-submit").click()
    console.expect_error(error("unknown_ticket"))

    console.press("call")
    console.page.locator("#call-label").fill(second)
    console.page.locator("#call-submit").click()
    console.expect_ack(ui("ack.call", label=second))
    console.expect_in_hand(second, "called")
    expect(console.page.locator("#reason-text")).to_have_text("番号を指定して呼出")
    expect(console.row(first)).to_be_visible()


def test_a_desk_this_counter_does_not_serve_is_refused(console: ConsolePage) -> None:
    label = issue(console.server, ["career"])["label"]  # counter 1 serves job only
    console.press("call")
    console.page.locator("#call-label").fill(label)
    console.page.locator("#call-label").press("Enter")
    console.expect_error(error("service_not_served"))


def test_reprint_is_accepted_and_then_reports_the_printing(console: ConsolePage) -> None:
    label = issue(console.server, ["job"])["label"]
    console.press("call-next")
    console.expect_in_hand(label, "called")
    with console.page.expect_response(lambda r: r.url.endswith("/reprint")) as answer:
        console.press("reprint")
    assert answer.value.status == 202
    # Site "a" has a memory printer: the print outcome is pushed and shown.
    console.expect_ack(ui("print.printed", label=label))
