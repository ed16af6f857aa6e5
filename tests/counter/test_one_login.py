"""One login for the console, the reports and the admin page: logged in on any one of them,
the others open without asking again (the same login cookie), in Chromium."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.counter.conftest import DESKTOP
from tests.counter.console_page import PASSWORD
from tests.harness import ServerProcess


def test_a_reports_login_opens_the_admin_page_and_the_console(
    browser: Browser, server: ServerProcess
) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="ja-JP", service_workers="block")
    page = context.new_page()
    try:
        page.goto(f"{server.url}/reports/")
        page.locator("input[name=username]").fill("kanri")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("form[action$='/reports/login'] button[type=submit]").click()
        expect(page.locator("#dashboard")).to_be_visible()

        page.goto(f"{server.url}/admin/")
        expect(page.locator("#devices")).to_be_visible()
        expect(page.locator("form[action$='/admin/login']")).to_have_count(0)

        page.goto(f"{server.url}/counter/")
        expect(page.locator("#screen-choose")).to_be_visible()
        expect(page.locator("#screen-login")).to_be_hidden()
    finally:
        context.close()


def test_a_console_login_opens_the_reports(browser: Browser, server: ServerProcess) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="ja-JP", service_workers="block")
    page = context.new_page()
    try:
        page.goto(f"{server.url}/counter/")
        page.locator("#login-username").fill("kanri")
        page.locator("#login-password").fill(PASSWORD)
        page.locator("#login-submit").click()
        expect(page.locator("#screen-choose")).to_be_visible()
        page.goto(f"{server.url}/reports/")
        expect(page.locator("#dashboard")).to_be_visible()
        page.goto(f"{server.url}/admin/")
        expect(page.locator("#devices")).to_be_visible()
    finally:
        context.close()
