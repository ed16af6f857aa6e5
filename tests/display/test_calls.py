"""The waiting-room display shows each call at once, with its counter, and speaks it."""

from __future__ import annotations

from tests.display.display_page import DisplayPage


def label_of(display: DisplayPage, service: str = "job", priority: bool = False) -> str:
    issued = display.server.issue(display.site, [service], priority=priority)
    assert issued.status == 201, issued.body
    return str(issued.body["label"])


def test_a_call_shows_its_number_and_counter_and_is_announced(display: DisplayPage) -> None:
    display.open().wait_for("room")
    display.wait_until_live()
    label = label_of(display)
    assert display.server.call_next(display.site, "c1").status == 200

    display.wait_for_call(label, "1番窓口")
    block = display.page.locator("#calls .call").first
    assert "fresh" in str(block.get_attribute("class"))  # highlighted as new
    assert block.locator(".call-badge").text_content() == "お呼び出し"
    announced = display.wait_for_announcements(1)[0]
    assert announced["label"] == label
    assert announced["text"] == f"受付番号{label}番の方、1番窓口へお越しください。"
    assert announced["error"] is None
    assert display.outside == []


def test_two_calls_in_quick_succession_are_spoken_one_after_the_other(
    display: DisplayPage,
) -> None:
    display.open().wait_for("room")
    display.wait_until_live()
    first, second = label_of(display), label_of(display)
    assert display.server.call_next(display.site, "c1").status == 200
    assert display.server.call_next(display.site, "c2", staff="staff2").status == 200

    display.wait_for_call(second, "2番窓口")
    assert display.calls() == [(second, "2番窓口"), (first, "1番窓口")]  # newest first
    one, two = display.wait_for_announcements(2)[:2]
    assert [one["label"], two["label"]] == [first, second]
    assert one["end"] is not None and two["start"] >= one["end"]  # never overlapping
    assert one["error"] is None and two["error"] is None


def test_a_recall_is_highlighted_and_announced_again(display: DisplayPage) -> None:
    label = label_of(display)
    called = display.server.call_next(display.site, "c1")
    assert called.status == 200
    display.open().wait_for("room")
    display.wait_for_call(label, "1番窓口")
    assert display.announcements() == []  # a call made before the display opened is not spoken

    ticket = called.body["ticket"]["id"]
    assert display.server.act(display.site, ticket, "recall").status == 200
    display.page.wait_for_function(
        "() => document.querySelector('#calls .call-badge').textContent !== ''"
    )
    assert display.page.locator("#calls .call-badge").text_content() == "もう一度お呼びしています"
    recalled = display.wait_for_announcements(1)[0]
    assert (recalled["kind"], recalled["label"]) == ("recalled", label)
    assert recalled["text"] == f"受付番号{label}番の方、1番窓口へお越しください。"


def test_a_finished_visit_leaves_the_calls_and_stays_in_the_list_of_earlier_calls(
    display: DisplayPage,
) -> None:
    display.open().wait_for("room")
    display.wait_until_live()
    label = label_of(display)
    called = display.server.call_next(display.site, "c1")
    display.wait_for_call(label, "1番窓口")
    ticket = called.body["ticket"]["id"]
    assert display.server.act(display.site, ticket, "start").status == 200
    display.page.wait_for_function("() => !document.querySelector('#calls .call')")
    assert display.page.locator("#calls-empty").is_visible()
    assert display.recent() == [(label, "1番窓口")]


def test_each_public_desk_shows_how_many_wait_and_an_estimate(display: DisplayPage) -> None:
    for _ in range(3):
        label_of(display, "career")
    display.open().wait_for("room")
    row = display.page.locator('#waiting tr[data-service="career"]')
    row.wait_for()
    assert row.locator(".desk").text_content() == "キャリア・カウンセリング"
    assert row.locator(".count strong").text_content() == "3"
    wait = str(row.locator(".wait").text_content())
    assert wait.startswith(("約", "まもなく")) or wait.endswith("分以内"), wait
    label_of(display, "career")  # the push updates it
    display.page.wait_for_function(
        "() => document.querySelector('#waiting tr[data-service=career] .count strong')"
        ".textContent === '4'"
    )
    empty = display.page.locator('#waiting tr[data-service="search"]')
    assert (
        empty.locator(".count strong").text_content(),
        empty.locator(".wait").text_content(),
    ) == ("0", "—")


def test_a_token_that_is_not_a_display_gets_the_not_registered_screen(
    display: DisplayPage,
) -> None:
    display.open(device="kiosk").wait_for("refused")
    assert "この表示盤は登録されていません" in display.page.inner_text("body")


def test_an_unknown_or_revoked_token_is_forgotten_and_the_display_asks_to_be_paired(
    display: DisplayPage,
) -> None:
    display.page.goto(f"{display.server.url}/display/?token=not-a-real-token")
    display.wait_for("pairing")
    assert display.page.evaluate("localStorage.getItem('madoguchi.display.token')") is None
