"""Logging in and out, choosing the counter, and staying within one's own site."""

from __future__ import annotations

import requests
from playwright.sync_api import expect

from tests.counter.conftest import OpenConsole
from tests.counter.console_page import PASSWORD, error, issue, ui
from tests.harness import ServerProcess


def test_a_wrong_password_is_refused_in_japanese_and_the_right_one_lets_in(
    open_console: OpenConsole,
) -> None:
    console = open_console()
    expect(console.page.locator("#screen-login")).to_be_visible()
    console.log_in("sato", "not the password")
    expect(console.page.locator("#login-error")).to_have_text(error("invalid_credentials"))
    expect(console.page.locator("#screen-login")).to_be_visible()
    console.screenshot("login-error")

    console.log_in("sato")
    expect(console.page.locator("#choose-title")).to_have_text(ui("choose.title"))
    choices = console.page.locator(".choice")
    expect(choices).to_have_count(4)  # the four counters of site "a", none of site "b"
    expect(choices.first).to_contain_text("1番窓口 職業相談")
    console.screenshot("choose")

    console.key("Digit2")  # the second counter, by keyboard
    console.wait_live()
    expect(console.page.locator("#counter-title")).to_have_text("2番窓口 職業相談・キャリア")
    expect(console.page.locator("#staff-name")).to_have_text("佐藤 花子")
    expect(console.page.locator("#counter-status")).to_have_text("閉鎖中")
    assert console.page.url.endswith("/counter/?site=a&counter=a-c2")


def test_a_reload_comes_back_to_the_same_counter_without_logging_in_again(
    open_console: OpenConsole,
) -> None:
    console = open_console("suzuki", "a-c4")
    console.page.reload()
    console.wait_live()
    expect(console.page.locator("#counter-title")).to_have_text("4番窓口 キャリア")


def test_logging_out_ends_the_login_and_shows_the_form_again(open_console: OpenConsole) -> None:
    console = open_console("sato", "a-c1")
    console.page.locator("#logout").click()
    expect(console.page.locator("#screen-login")).to_be_visible()
    expect(console.page.locator("#login-note")).to_have_text(ui("logout.done"))
    assert console.page.request.get(f"{console.server.url}/api/session").status == 401
    console.page.reload()
    expect(console.page.locator("#screen-login")).to_be_visible()


def test_staff_of_one_site_cannot_open_another_sites_console(
    open_console: OpenConsole,
    server: ServerProcess,
) -> None:
    console = open_console(query="?site=b&counter=b-c1")
    console.log_in("sato")  # a staff account of site "a"
    expect(console.page.locator("#choose-error")).to_have_text(error("forbidden_site"))
    expect(console.page.locator("#choose-error")).to_have_attribute("role", "alert")
    expect(console.page.locator(".choice")).to_have_count(0)
    console.screenshot("other-site")
    console.page.locator("#choose-own-site").click()  # and back to where they belong
    expect(console.page.locator('.choice[data-value="a-c1"]')).to_be_visible()

    with requests.Session() as http:
        login = http.post(
            f"{server.url}/api/session", json={"username": "sato", "password": PASSWORD}, timeout=30
        )
        assert login.status_code == 200
        headers = {"X-CSRF-Token": login.json()["csrf_token"], "Idempotency-Key": "k1"}
        for method, path in (
            ("GET", "/api/sites/b"),
            ("GET", "/api/sites/b/snapshot"),
            ("GET", "/api/sites/b/counters/b-c1/today"),
            ("POST", "/api/sites/b/counters/b-c1/call-next"),
        ):
            reply = http.request(method, server.url + path, headers=headers, json={}, timeout=30)
            assert (reply.status_code, reply.json()["error"]) == (403, "forbidden_site"), path


def test_an_administrator_chooses_the_site_first_and_gets_its_live_queue(
    open_console: OpenConsole,
    server: ServerProcess,
) -> None:
    console = open_console("kanri")
    expect(console.page.locator("#choose-title")).to_have_text(ui("choose.site"))
    console.page.locator('.choice[data-value="a"]').click()
    console.choose("a-c2")  # live: the socket names the site, as an administrator's must
    label = issue(server, ["career"])["label"]
    expect(console.row(label, "career")).to_be_visible()
