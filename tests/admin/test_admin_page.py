"""The admin page's site configuration: ward IT staff add a desk and a counter in Debian's
chromium, a kiosk can use the desk at once, a refusal is explained in Japanese, and the
forms carry the CSRF token and are for administrators only."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.admin.conftest import MANAGED, PASSWORD
from tests.admin.test_config_api import audit_rows, config, ids
from tests.harness import ServerProcess, token

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1366, "height": 900}, locale="ja-JP", service_workers="block"
    )
    yield context.new_page()
    context.close()


def log_in(page: Page, server: ServerProcess, username: str = "root") -> None:
    page.goto(server.url + "/admin/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    expect(page.locator("#site-settings")).to_be_visible()


def test_an_administrator_adds_a_desk_and_a_counter_in_the_browser(
    page: Page, server: ServerProcess, site: str
) -> None:
    log_in(page, server)
    page.locator(f"#site-settings a[href='/admin/sites/{site}']").click()
    expect(page.locator("h2").first).to_contain_text(f"テスト会場 {site}")
    form = page.locator("#service-form")
    form.locator("input[name=id]").fill("pension")
    form.locator("input[name=name]").fill("年金相談")
    form.locator("select[name=organisation]").select_option("city")
    form.locator("input[name=prefix]").fill("N")
    form.locator("input[name=first]").fill("1")
    form.locator("input[name=last]").fill("99")
    form.locator("input[name=target_wait]").fill("15")
    form.locator("input[name='label.ja']").fill("年金の相談")
    form.locator("input[name='label.en']").fill("Pension advice")
    form.locator("input[name='description.en']").fill("Questions about your pension")
    form.locator("button[type=submit]").click()
    expect(page.locator(".message.ok")).to_contain_text("用件「pension」を保存しました")
    desk = next(s for s in config(server, site)["services"] if s["id"] == "pension")
    # the staff's name, and the visitors' words: what the kiosk, ticket and phone page say
    assert desk["staff_name"] == "年金相談"
    assert desk["visitor"] == {
        "ja": {"label": "年金の相談"},
        "en": {"label": "Pension advice", "description": "Questions about your pension"}}
    expect(page.locator("#services tbody")).to_contain_text("年金相談")
    ticket = server.issue(site, ["pension"])  # the kiosk offers it at once
    assert ticket.status == 201 and ticket.body["label"] == "N1"

    form = page.locator("#counter-form")
    form.locator("input[name=id]").fill(f"{site}-c9")
    form.locator("input[name=number]").fill("9")
    form.locator("input[name=name]").fill("年金")
    form.locator("input[name=services][value=pension]").check()
    form.locator("button[type=submit]").click()
    expect(page.locator(".message.ok")).to_contain_text(f"窓口「{site}-c9」を保存しました")
    expect(page.locator("#counters tbody")).to_contain_text("9番")
    assert f"{site}-c9" in ids(config(server, site)["counters"])

    # a desk with a live ticket stays, and the page says why
    page.locator(f"form[action='/admin/sites/{site}/counters/{site}-c9/remove'] button").click()
    expect(page.locator(".question")).to_contain_text(f"窓口「{site}-c9」を削除します")
    page.locator("#confirm-yes").click()  # a dangerous button asks first
    expect(page.locator(".message.ok")).to_contain_text("削除しました")
    page.locator(f"form[action='/admin/sites/{site}/services/pension/remove'] button").click()
    page.locator("#confirm-yes").click()
    expect(page.locator(".message.error")).to_contain_text("番号札がまだ使われています")
    rows = audit_rows(server, "service_removed", f"service:{site}/pension")
    assert [(r["outcome"], r["detail"].get("error")) for r in rows] == [
        (409, "service_has_live_tickets")]


def test_a_display_is_moved_and_switched_off_from_its_row(
    page: Page, server: ServerProcess, site: str
) -> None:
    log_in(page, server)
    page.goto(server.url + f"/admin/sites/{site}")
    page.locator(f"select[form='device-{site}-display'][name=area]").select_option("welfare")
    page.locator(f"form#device-{site}-display button").click()
    expect(page.locator(".message.ok")).to_contain_text(f"端末「{site}-display」を保存しました")
    snap = server.request("GET", f"/api/sites/{site}/snapshot", token(site, "display")).body
    assert snap["area"] == "welfare"
    page.locator(f"input[form='device-{site}-display'][name=enabled]").uncheck()
    page.locator(f"form#device-{site}-display button").click()
    expect(page.locator(".message.ok")).to_be_visible()
    reply = server.request("GET", f"/api/sites/{site}/snapshot", token(site, "display"))
    assert reply.status == 401


def test_the_forms_need_the_token_and_an_administrator(server: ServerProcess, site: str) -> None:
    with requests.Session() as http:
        page = http.get(server.url + "/admin/", timeout=30).text
        http.post(server.url + "/admin/login", timeout=30, data={
            "username": "root", "password": PASSWORD, "csrf_token": CSRF.search(page)[1]})
        answer = http.post(server.url + f"/admin/sites/{site}/counters/{site}-c4/remove",
                           data={"confirmed": "yes"}, timeout=30)
        assert "画面の有効期限が切れました" in html.unescape(answer.text)
        assert f"{site}-c4" in ids(config(server, site)["counters"])
    with requests.Session() as http:  # a manager may not change the configuration
        page = http.get(server.url + "/admin/", timeout=30).text
        http.post(server.url + "/admin/login", timeout=30, data={
            "username": "boss", "password": PASSWORD, "csrf_token": CSRF.search(page)[1]})
        answer = http.get(server.url + f"/admin/sites/{MANAGED}", timeout=30)
        assert "会場の設定はシステム管理者だけが変えられます" in html.unescape(answer.text)
        page = http.get(server.url + "/admin/", timeout=30).text
        answer = http.post(server.url + f"/admin/sites/{MANAGED}/counters/{MANAGED}-c4/remove",
                           data={"csrf_token": CSRF.search(page)[1], "confirmed": "yes"},
                           timeout=30)
        assert "この操作はシステム管理者だけができます" in html.unescape(answer.text)
        assert f"{MANAGED}-c4" in ids(config(server, MANAGED)["counters"])
    with requests.Session() as http:  # nobody logged in: back to the login form
        answer = http.get(server.url + f"/admin/sites/{site}", timeout=30)
        assert "ログイン" in answer.text and "用件を保存する" not in answer.text
