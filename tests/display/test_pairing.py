"""A display without a token shows a pairing code; once an administrator enters it, it runs."""

from __future__ import annotations

from tests.display.display_page import DisplayPage
from tests.harness import ADMIN


def test_a_new_display_shows_a_code_and_starts_once_an_administrator_pairs_it(
    display: DisplayPage,
) -> None:
    display.page.goto(f"{display.server.url}/display/")
    display.wait_for("pairing")
    code = display.page.locator("#pairing-code")
    display.page.wait_for_function("() => document.getElementById('pairing-code').textContent")
    shown = str(code.text_content())
    assert len(shown) == 7 and shown[3] == "-"  # K7Q-4MX: read off the screen, typed by hand

    approved = display.server.request(
        "POST",
        "/api/pairing/approve",
        ADMIN,
        {
            "code": shown,
            "role": "display",
            "site": display.site,
            "area": "main",
            "name": "待合室の表示盤",
        },
        key="pair-display",
    )
    assert approved.status in (200, 201), approved.body
    display.wait_for("room")
    display.wait_until_live()
    token = display.page.evaluate("localStorage.getItem('madoguchi.display.token')")
    me = display.server.request("GET", "/api/me", token)
    assert (me.body["role"], me.body["site"], me.body["area"]) == ("display", display.site, "main")
