"""The kiosk's other states: refused without a token, closed after hours, and idle resets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.harness import ServerProcess, site_file
from tests.kiosk.conftest import PORTRAIT, open_kiosk_page
from tests.kiosk.kiosk_page import KioskPage, strings


def test_a_kiosk_opened_without_a_token_is_refused_and_has_no_controls(kiosk: KioskPage) -> None:
    kiosk.open(device=None)
    kiosk.wait_for("refused")
    text = kiosk.visible_text()
    assert "この発券機は登録されていません" in text
    assert "This ticket machine is not registered" in text
    assert kiosk.controls() == []
    assert kiosk.outside == []


@pytest.mark.parametrize("secret", ["not-a-token", "staff1"])
def test_a_kiosk_with_an_unknown_or_staff_token_is_refused(kiosk: KioskPage, secret: str) -> None:
    if secret == "staff1":
        kiosk.open(device="staff1")
    else:
        kiosk.open(raw_token=secret)
    kiosk.wait_for("refused")
    assert kiosk.controls() == []


def test_the_token_leaves_the_address_bar_and_is_remembered(kiosk: KioskPage) -> None:
    kiosk.open()
    kiosk.wait_for("start")
    assert "token" not in kiosk.page.url
    kiosk.page.goto(kiosk.page.url)  # opened again later, as after a power cut
    kiosk.wait_for("start")
    assert kiosk.text_of("#site-name") == f"テスト会場 {kiosk.site}"


def test_idle_asks_to_continue_then_returns_to_the_start_in_japanese(kiosk: KioskPage) -> None:
    kiosk.page.clock.install()
    kiosk.open()
    kiosk.wait_for("start")
    kiosk.language("en")
    kiosk.choose("job")
    prompt = kiosk.page.locator("#dialog-idle")

    kiosk.idle(76)
    prompt.wait_for(state="visible")
    assert kiosk.text_of("#idle-title") == strings("en")["idle.title"]
    kiosk.page.locator("#idle-continue").click()  # someone is still there
    prompt.wait_for(state="hidden")
    assert kiosk.screen() == "confirm"

    kiosk.idle(76)
    prompt.wait_for(state="visible")
    kiosk.idle(21)
    kiosk.wait_for("start")
    prompt.wait_for(state="hidden")
    assert kiosk.page.evaluate("document.documentElement.lang") == "ja"
    assert kiosk.text_of("#start-title") == strings("ja")["start.title"]
    assert kiosk.page.locator(".purpose.chosen").count() == 0


def test_the_ticket_screen_returns_to_the_start_after_about_fifteen_seconds(
    kiosk: KioskPage,
) -> None:
    kiosk.page.clock.install()
    kiosk.open()
    kiosk.wait_for("start")
    kiosk.language("en")
    kiosk.choose("job")
    kiosk.take_number()
    kiosk.idle(10)
    assert kiosk.screen() == "ticket"
    kiosk.idle(6)
    kiosk.wait_for("start")
    assert kiosk.text_of("#start-title") == strings("ja")["start.title"]


def test_the_visitor_can_keep_the_ticket_screen_up_longer_as_often_as_they_need(
    kiosk: KioskPage,
) -> None:
    kiosk.page.clock.install()
    kiosk.open()
    kiosk.choose("job")
    kiosk.take_number()
    longer = kiosk.page.locator("#ticket-longer")
    longer.wait_for(state="visible")
    kiosk.idle(10)
    longer.click()  # 5 s were left: now 65
    assert kiosk.text_of("#ticket-returning") == strings("ja")["ticket.returning"].format(s=65)
    longer.click()
    kiosk.idle(120)
    assert kiosk.screen() == "ticket"
    kiosk.idle(6)
    kiosk.wait_for("start")
    assert kiosk.page.locator("#ticket-longer").is_hidden()


@pytest.fixture(scope="module")
def closed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server whose one site is shut today (a closed date), with hours enforced."""
    today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=9))).date()
    days = ", ".join(f'"{today + dt.timedelta(days=k)}"' for k in (-1, 0, 1))
    text = site_file(["shut"], extra={"shut": f"closed_dates = [{days}]"})
    proc = ServerProcess(Path(tmp_path_factory.mktemp("closed")), ["shut"], sites_text=text,
                         env={"MADOGUCHI_ENFORCE_HOURS": "true"})
    proc.init()
    proc.start()
    yield proc
    proc.kill()  # nothing to keep: a clean shutdown would only cost time


def test_a_kiosk_after_business_hours_shows_the_closed_screen(
    browser: Browser, closed_server: ServerProcess
) -> None:
    for kiosk in open_kiosk_page(browser, closed_server, "shut", PORTRAIT):
        kiosk.open()
        kiosk.wait_for("closed")
        assert "受付終了" in kiosk.visible_text()
        assert "Reception is closed for today." in kiosk.visible_text()
        assert kiosk.controls() == []
