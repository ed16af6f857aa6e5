"""The visitor reads the same desk names everywhere made for them: the kiosk's buttons they
pressed, the ticket screen, and the phone page of the ticket, in their language, with ruby
in やさしい日本語 (the printed ticket: tests/printing/test_visitor_words.py). A sensitive
desk (welfare) is left off the phone page: whoever finds the ticket can open it."""

from __future__ import annotations

import pytest

from tests.kiosk.kiosk_page import KioskPage
from tests.kiosk.test_wrapping import LONELY, SPLIT_WORDS

# An element's words as read, without the readings above them.
WORDS = """(el) => { const copy = el.cloneNode(true);
  copy.querySelectorAll('rt').forEach(rt => rt.remove());
  return copy.textContent.replace(/\\s+/g, ' ').trim(); }"""
READINGS = "(el) => [...el.querySelectorAll('rt')].map(rt => rt.textContent)"
EXPECTED = {  # the harness's site file: [services.<id>.visitor.<language>]
    "vi": ["Tư vấn đời sống, phúc lợi", "Tư vấn và giới thiệu việc làm"],
    "ja-easy": ["くらしと お金の 相談", "仕事の 相談"],
    "zh": ["生活·福利咨询", "就业咨询·职业介绍"],
    "ja": ["暮らし・お金の相談", "職業相談・職業紹介"],
}


@pytest.mark.parametrize("language", list(EXPECTED))
def test_the_buttons_the_ticket_screen_and_the_phone_page_name_the_desks_alike(
    kiosk: KioskPage, language: str
) -> None:
    page = kiosk.page
    kiosk.open().wait_for("start")
    if language != "ja":
        kiosk.language(language)
    buttons = [kiosk.purpose(s).locator(".label").evaluate(WORDS) for s in ("welfare", "job")]
    assert buttons == EXPECTED[language]
    kiosk.choose("welfare", "job")
    with page.expect_response(lambda r: r.request.method == "POST"
                              and r.url.endswith("/tickets")) as issued:
        kiosk.take_number()
    ticket = issued.value.json()
    screen = page.locator("#ticket-desks li")
    assert [screen.nth(n).evaluate(WORDS) for n in range(screen.count())] == buttons
    ruby = language == "ja-easy"
    assert bool(screen.first.evaluate(READINGS)) is ruby  # readings above the kanji

    phone = page.context.new_page()
    try:
        phone.set_viewport_size({"width": 320, "height": 640})
        phone.goto(f"{kiosk.server.url}/t/{ticket['public_token']}")
        desks = phone.locator("#desks li")
        desks.first.wait_for()
        assert [desks.nth(n).evaluate(WORDS) for n in range(desks.count())] == buttons[1:]
        assert desks.first.evaluate(READINGS) == (["しごと", "そうだん"] if ruby else [])
        assert buttons[0] not in phone.locator("body").inner_text()
        # Narrow phones, larger text: no word split, no character alone on a line.
        for width in (320, 280, 240):
            phone.set_viewport_size({"width": width, "height": 640})
            phone.evaluate("document.documentElement.style.fontSize = '150%'")
            assert phone.evaluate(LONELY, "#desks li") == [], width
            assert phone.evaluate(SPLIT_WORDS) == [], width
    finally:
        phone.close()
