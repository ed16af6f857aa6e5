"""不在 waits a few seconds for an undo before it is sent, and the single-letter shortcuts can
be switched to Alt or off (WCAG 2.1.4), remembered by the browser."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.counter.console_page import ConsolePage, error, events, issue, ui


def no_shows(console: ConsolePage, ticket_id: int) -> int:
    """How many no-shows the log holds for the ticket (a first one puts it back: requeued)."""
    kinds = ("no_show", "requeued")
    return sum(1 for e in events(console.server) if e["kind"] in kinds and e["ticket"] == ticket_id)


def test_an_undone_no_show_is_never_sent_and_the_visitor_stays_called(
    console: ConsolePage,
) -> None:
    ticket = issue(console.server, ["job"])
    console.page.clock.install()
    console.press("call-next")
    console.expect_in_hand(ticket["label"], "called")
    console.press("no-show")
    expect(console.page.locator("#undo-text")).to_have_text(
        ui("undo.no-show", label=ticket["label"], seconds=8)
    )
    expect(console.page.locator("#undo-cancel")).to_be_focused()
    console.page.clock.run_for(3000)
    expect(console.page.locator("#undo-text")).to_contain_text("5秒")
    console.page.locator("#undo-cancel").click()
    console.expect_ack(ui("ack.no-show_undone", label=ticket["label"]))
    console.page.clock.run_for(10_000)
    console.expect_in_hand(ticket["label"], "called")
    assert no_shows(console, ticket["id"]) == 0


def test_a_no_show_left_alone_is_sent_when_its_undo_time_is_over(console: ConsolePage) -> None:
    ticket = issue(console.server, ["job"])
    console.page.clock.install()
    console.press("call-next")
    console.press("no-show")
    console.page.clock.run_for(8000)
    console.expect_ack(ui("ack.no-show_requeued", label=ticket["label"]))
    expect(console.page.locator("#undo")).to_be_hidden()
    assert no_shows(console, ticket["id"]) == 1


def test_letter_shortcuts_can_need_alt_or_be_off_and_f1_always_calls(
    console: ConsolePage,
) -> None:
    label = issue(console.server, ["job"])["label"]
    mode = console.page.locator("#keys-mode")
    start = console.page.locator('#actions button[data-action="start"]')
    expect(start).to_have_attribute("aria-keyshortcuts", "S")

    mode.select_option("off")
    expect(start.locator("kbd")).to_have_count(0)
    console.key("F1")
    console.expect_in_hand(label, "called")
    console.key("s")  # off: nothing happens
    console.key("F1")  # F1 still acts: the counter is busy
    console.expect_error(error("counter_busy"))
    console.expect_in_hand(label, "called")

    mode.select_option("alt")
    expect(start).to_have_attribute("aria-keyshortcuts", "Alt+S")
    expect(start.locator("kbd")).to_have_text("Alt+S")
    console.key("s")
    console.key("Alt+KeyS")
    console.expect_ack(ui("ack.start", label=label))
    console.expect_in_hand(label, "serving")

    console.page.reload()  # the choice is the browser's, kept across a reload
    console.wait_live()
    expect(mode).to_have_value("alt")
    expect(start).to_have_attribute("aria-keyshortcuts", "Alt+S")
