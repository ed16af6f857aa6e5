"""An unregistered kiosk shows a pairing code; once an administrator approves it, it works."""

from __future__ import annotations

from playwright.sync_api import Browser

from tests.harness import ADMIN, ServerProcess
from tests.kiosk.conftest import PORTRAIT, open_kiosk_page


def test_a_kiosk_without_a_token_shows_a_code_and_starts_once_paired(
        browser: Browser, server: ServerProcess, site: str) -> None:
    for kiosk in open_kiosk_page(browser, server, site, PORTRAIT):
        page = kiosk.page
        page.goto(server.url + "/kiosk/")
        code = page.locator("#pairing-code")
        code.wait_for(state="visible", timeout=15000)
        text = code.inner_text().replace("-", "").strip()
        assert len(text) == 6
        assert page.locator("#screen-refused").is_visible()
        approved = server.request("POST", "/api/pairing/approve", ADMIN,
                                  {"code": text, "role": "kiosk", "site": site,
                                   "name": "受付の発券機"})
        assert approved.status in (200, 201), approved.body
        page.locator("#screen-start").wait_for(state="visible", timeout=15000)
        me = page.evaluate("localStorage.getItem('madoguchi.kiosk.token')")
        assert me and len(me) > 20
