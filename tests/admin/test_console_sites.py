"""An administrator's console lists every site, and any of them can be picked from the
keyboard however many there are: a box narrows the list, Enter takes the first left."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.admin.conftest import PASSWORD
from tests.harness import ServerProcess


def test_the_site_picker_narrows_many_sites_and_enter_picks_the_one_left(
    browser: Browser, server: ServerProcess
) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="ja-JP")
    page = context.new_page()
    try:
        page.goto(server.url + "/counter/")
        page.locator("#login-username").fill("root")
        page.locator("#login-password").fill(PASSWORD)
        page.locator("#login-submit").click()
        choices = page.locator("#choose-list .choice")
        expect(page.locator("#choose-filter")).to_be_focused()
        total = choices.count()
        assert total > 9
        expect(page.locator("#choose-list .choice kbd")).to_have_count(9)
        page.keyboard.type("ｅ１２")  # full-width, as a Japanese input method types it
        expect(choices).to_have_count(1)
        expect(page.locator("#choose-count")).to_have_text(f"{total}件中 1件")
        expect(choices.first).to_have_attribute("data-value", "e12")
        page.keyboard.press("Enter")
        expect(page.locator("#choose-title")).to_have_text("担当する窓口を選んでください")
        expect(page.locator('#choose-list .choice[data-value="e12-c1"]')).to_be_visible()
    finally:
        context.close()
