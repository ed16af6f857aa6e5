"""A visitor at the kiosk, in Japanese and in English: one purpose, then two, one number."""

from __future__ import annotations

import pytest

from tests.kiosk.kiosk_page import KioskPage, strings


@pytest.mark.parametrize("language", ["ja", "en"])
def test_one_purpose_gives_the_number_the_server_issued(kiosk: KioskPage, language: str) -> None:
    kiosk.open()
    kiosk.wait_for("start")
    if language != "ja":
        kiosk.language(language)
    assert kiosk.text_of("#start-title") == strings(language)["start.title"]

    before = kiosk.waiting_ids()
    kiosk.choose("job")
    shown = kiosk.take_number()

    waiting = kiosk.new_tickets(before)
    assert [t["label"] for t in waiting] == [shown]
    ticket = waiting[0]
    assert ticket["purposes"] == ["job"]
    assert ticket["language"] == language
    assert ticket["priority"] is False
    # the desk as the button said it, in the visitor's language
    assert kiosk.text_of("#ticket-desks") == {"ja": "職業相談・職業紹介",
                                              "en": "Job advice and referral"}[language]
    assert kiosk.text_of("[data-t='ticket.number']") == strings(language)["ticket.number"]
    assert kiosk.outside == []


@pytest.mark.parametrize("language", ["ja", "en"])
def test_two_purposes_give_one_number_that_visits_both_desks_in_order(
    kiosk: KioskPage, language: str
) -> None:
    kiosk.open()
    kiosk.wait_for("start")
    if language != "ja":
        kiosk.language(language)

    before = kiosk.waiting_ids()
    kiosk.choose("career", "job")
    chosen = kiosk.page.locator("#chosen li")
    assert chosen.count() == 2
    chosen_labels = chosen.locator(".label").all_inner_texts()
    assert kiosk.text_of("#confirm-note") == strings(language)["confirm.many"]
    shown = kiosk.take_number()

    waiting = kiosk.new_tickets(before)
    assert [t["label"] for t in waiting] == [shown]
    assert waiting[0]["purposes"] == ["career", "job"]
    route = kiosk.page.locator("#ticket-desks li").all_inner_texts()
    assert route == chosen_labels  # as the buttons the visitor pressed named them
    assert kiosk.text_of("#ticket-route-caption") == strings(language)["ticket.route"]
    assert kiosk.outside == []


def test_people_ahead_counts_the_visitors_already_waiting(kiosk: KioskPage) -> None:
    for _ in range(2):
        assert kiosk.server.issue(kiosk.site, ["search"]).status == 201
    ahead = sum(1 for t in kiosk.waiting() if t["service"] == "search")
    kiosk.open()
    kiosk.choose("search")
    kiosk.take_number()
    assert ahead >= 2
    assert kiosk.text_of("#ticket-ahead") == strings("ja")["ticket.ahead"].format(n=ahead)


def test_a_desk_no_language_file_knows_is_shown_with_the_servers_name(kiosk: KioskPage) -> None:
    # The test site's desks have ids (job, search, …) that no language file translates.
    kiosk.open()
    kiosk.wait_for("start")
    kiosk.language("en")
    assert kiosk.purpose("search").locator(".label").inner_text() == "求人検索"
    # …while a desk the files do know (welfare) is translated.
    assert kiosk.purpose("welfare").locator(".label").inner_text() == (
        "Living and money matters")


def test_need_help_gives_a_priority_ticket_that_never_says_so(kiosk: KioskPage) -> None:
    kiosk.open()
    before = kiosk.waiting_ids()
    kiosk.choose("welfare")
    kiosk.page.locator("#need-help").click()
    assert kiosk.page.locator("#need-help").get_attribute("aria-pressed") == "true"
    shown = kiosk.take_number()

    waiting = kiosk.new_tickets(before)
    assert [t["label"] for t in waiting] == [shown]
    assert waiting[0]["priority"] is True
    kiosk.page.locator("#ticket-help").wait_for(state="visible")
    assert strings("ja")["staff_called"] in kiosk.text_of("#ticket-help")
    text = kiosk.visible_text()
    assert "優先" not in text and "priority" not in text.lower()
    # The desk is named as on the button the visitor pressed (the confirm screen said so too).
    assert kiosk.text_of("#ticket-desks") == kiosk.text_of("#chosen li .label")


def test_call_staff_says_staff_were_told(kiosk: KioskPage) -> None:
    kiosk.open()
    kiosk.wait_for("start")
    kiosk.page.locator("#call-staff").click()
    message = kiosk.page.locator("#dialog-message")
    message.wait_for(state="visible")
    assert kiosk.text_of("#message-text") == strings("ja")["staff_called"]
    kiosk.page.locator("#message-ok").click()
    message.wait_for(state="hidden")
    assert kiosk.screen() == "start"


def test_a_lost_answer_is_retried_with_the_same_key_and_gives_one_ticket(
    kiosk: KioskPage,
) -> None:
    posts: list[str | None] = []

    def lose_first_answer(route, request):  # type: ignore[no-untyped-def]
        posts.append(request.headers.get("idempotency-key"))
        if len(posts) == 1:
            route.fetch()  # the server issues the ticket…
            route.abort("connectionreset")  # …but the kiosk never hears back
        else:
            route.continue_()

    kiosk.page.route("**/api/sites/*/tickets", lose_first_answer)
    before = kiosk.waiting_ids()
    kiosk.open()
    kiosk.choose("job")
    shown = kiosk.take_number()

    assert len(posts) == 2 and posts[0] == posts[1] and posts[0]
    assert [t["label"] for t in kiosk.new_tickets(before)] == [shown]


def test_easy_japanese_shows_readings_above_the_kanji(kiosk: KioskPage) -> None:
    kiosk.open()
    kiosk.wait_for("start")
    kiosk.language("ja-easy")
    title = kiosk.page.locator("#start-title")
    assert title.locator("ruby").count() >= 2
    assert title.locator("rt").first.inner_text() == "ようじ"
    assert kiosk.page.evaluate("document.documentElement.lang") == "ja"
