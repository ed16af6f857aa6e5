"""Every action by its keyboard shortcut, as staff work without the mouse."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.counter.console_page import DESKS, ConsolePage, error, issue, ui, waiting


def test_the_whole_round_of_a_counter_works_from_the_keyboard(console: ConsolePage) -> None:
    server = console.server
    first = issue(server, ["job", "search"])["label"]
    second = issue(server, ["job"])["label"]
    third = issue(server, ["job"])["label"]
    expect(console.row(third)).to_be_visible()

    console.key("F1")  # call next
    console.expect_ack(ui("ack.call-next", label=first))
    console.key("F1")  # the counter has someone in hand: the server says so, in Japanese
    console.expect_error(error("counter_busy"))
    console.key("r")
    console.expect_ack(ui("ack.recall", label=first, calls=2))
    console.key("s")
    console.expect_in_hand(first, "serving")
    console.key("f")  # finish: the outcome picker, then its number
    expect(console.page.locator("#dlg-finish")).to_be_visible()
    console.key("Digit1")
    # sato works for the city: Hello Work's 求人検索, next on this visit, is another desk
    console.expect_ack(ui("ack.finish_next", label=first, outcome="相談のみ", desk="他の窓口"))
    expect(console.page.locator("#dlg-finish")).to_be_hidden()

    console.key("Space")  # call next, the other way
    console.expect_in_hand(second, "called")
    console.key("t")  # transfer: desk by number, a note, Enter
    expect(console.page.locator("#dlg-transfer")).to_be_visible()
    console.key("Digit2")  # 2: the second desk other than job, キャリア・カウンセリング
    expect(console.page.locator("#transfer-note")).to_be_focused()
    console.page.keyboard.type("履歴書の書き方")
    console.key("Enter")
    console.expect_ack(ui("ack.transfer", label=second, desk=DESKS["career"]))
    assert [t["note"] for t in waiting(server, "career")] == ["履歴書の書き方"]

    console.key("c")  # call a given number
    expect(console.page.locator("#call-label")).to_be_focused()
    console.page.keyboard.type(third)
    console.key("Enter")
    console.expect_in_hand(third, "called")
    console.key("p")  # park
    console.expect_ack(ui("ack.park", label=third))
    expect(console.parked_row(third)).to_be_visible()
    console.key("u")  # return a parked ticket: the picker, then its number
    console.key("Digit1")
    console.expect_ack(ui("ack.return", label=third))
    expect(console.row(third)).to_be_visible()

    console.key("F1")
    console.expect_in_hand(third, "called")
    console.key("k")  # reprint
    console.expect_ack(ui("print.printed", label=third))
    console.key("n")  # no-show: sent when its undo time is over, or another key is pressed
    expect(console.page.locator("#undo-text")).to_contain_text(f"{third}番を不在にします")

    console.key("z")  # pause: the no-show goes first (back in the queue once)
    console.expect_ack(ui("ack.pause"))
    expect(console.row(third).locator(".q-tag")).to_have_text("不在")
    expect(console.page.locator("#undo")).to_be_hidden()
    console.key("F1")
    console.expect_error(error("counter_paused"))
    console.key("z")  # resume
    console.expect_ack(ui("ack.resume"))
    console.key("F1")
    console.expect_in_hand(third, "called")
    console.screenshot("keyboard")


def test_escape_closes_a_picker_without_doing_anything(console: ConsolePage) -> None:
    label = issue(console.server, ["job"])["label"]
    console.key("F1")
    console.expect_in_hand(label, "called")
    console.key("f")
    expect(console.page.locator("#dlg-finish")).to_be_visible()
    console.key("Escape")
    expect(console.page.locator("#dlg-finish")).to_be_hidden()
    console.key("s")  # shortcuts work again once the picker is closed
    console.expect_in_hand(label, "serving")


def test_a_shortcut_with_nothing_to_act_on_says_so(console: ConsolePage) -> None:
    console.key("r")
    console.expect_error(error("no_ticket_in_hand"))
    console.key("u")
    console.expect_error(error("no_parked"))
    console.key("F1")
    console.expect_error(error("no_waiting_tickets"))
